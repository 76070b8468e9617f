/**
 * Tiny DOM helpers. Everything vendor-supplied (caller names, pause reasons, error messages) goes
 * through `textContent`, never `innerHTML`: a caller name is attacker-controlled text.
 */

/**
 * Creates an element.
 * @param {string} tag `div`, or `div.class-a.class-b`
 * @param {Record<string, string | boolean | undefined>} [attrs] attributes; `false`/`undefined` are left out
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 * @example el('span.badge', { title: 'up' }, 'mirta-demo')
 */
export function el(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const node = document.createElement(name || 'div');
  if (classes.length > 0) node.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** Sets a node's text only when it differs: an unchanged write still costs a style recalc. */
export function setText(node, text) {
  const value = text ?? '';
  if (node.textContent !== value) node.textContent = value;
}

/** Sets (or, with `undefined`, removes) an attribute only when it differs. */
export function setAttr(node, name, value) {
  if (value === undefined || value === null || value === false) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
    return;
  }
  const text = value === true ? '' : String(value);
  if (node.getAttribute(name) !== text) node.setAttribute(name, text);
}

/** Sets `data-<name>` only when it differs. */
export function setData(node, name, value) {
  if (value === undefined || value === null) {
    if (name in node.dataset) delete node.dataset[name];
    return;
  }
  const text = String(value);
  if (node.dataset[name] !== text) node.dataset[name] = text;
}

/** Shows or hides a node (the `hidden` attribute) only when it changes. */
export function setHidden(node, hidden) {
  if (node.hidden !== hidden) node.hidden = hidden;
}

/** `document.getElementById` that fails loudly: a missing element is a bug in index.html. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`wallboard: #${id} is missing from index.html`);
  return node;
}
