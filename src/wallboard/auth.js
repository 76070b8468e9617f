/**
 * Where the page's token comes from: `?token=` (kiosk URLs), taken out of the address bar at
 * once so it does not linger in history, bookmarks or screenshots of the wall; then this tab's
 * sessionStorage; else the sign-in dialog. The token only ever travels in the socket.io
 * handshake (the SDK's doing), never in a request URL.
 */
import { byId } from './dom.js';

const TOKEN_KEY = 'callbridge.wallboard.token';
let memoryToken;

function store() {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be disabled (privacy settings): keep the token for this page's life only.
    return undefined;
  }
}

/** Reads `?token=`, stores it, and removes it from the address bar. */
export function takeTokenFromUrl() {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url);
  if (token !== '') saveToken(token);
}

export function savedToken() {
  return store()?.getItem(TOKEN_KEY) ?? memoryToken;
}

export function saveToken(token) {
  memoryToken = token;
  store()?.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  memoryToken = undefined;
  store()?.removeItem(TOKEN_KEY);
}

/**
 * Shows the sign-in dialog; resolves with the token typed in.
 * @param {string} [error] why we ask again (a refused token)
 * @returns {Promise<string>}
 */
export function askForToken(error) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('login'));
  const form = byId('login-form');
  const input = /** @type {HTMLInputElement} */ (byId('login-token'));
  const message = byId('login-error');
  message.textContent = error ?? '';
  message.hidden = !error;
  input.value = '';
  document.body.classList.add('signed-out');
  return new Promise((resolve) => {
    // Nothing to show without a token: Escape must not close the dialog.
    const cancel = (event) => event.preventDefault();
    const submit = (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token === '') return;
      form.removeEventListener('submit', submit);
      dialog.removeEventListener('cancel', cancel);
      dialog.close();
      document.body.classList.remove('signed-out');
      saveToken(token);
      resolve(token);
    };
    form.addEventListener('submit', submit);
    dialog.addEventListener('cancel', cancel);
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}
