/*
 * callbridge "call me back" button — served by the bridge at /widget.js. No framework, no build.
 *
 *   <script src="https://bridge.example.com/widget.js" data-widget-key="w_acme_site" defer></script>
 *
 * The form renders where a `<div data-callbridge-callback></div>` is (or right after the script
 * tag), inside a shadow root so the host page's CSS neither breaks it nor is touched by it.
 * Optional attributes on the script tag: data-target (CSS selector of the mount point),
 * data-title, data-button, data-name ("true" adds a name field).
 * The host element gets `data-state` and a `callbridge:callback` event ({ detail: { state } })
 * at each step, for pages that want to react.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = new URL(script.src).origin;
  var widgetKey = script.getAttribute('data-widget-key') || '';
  var opts = {
    title: script.getAttribute('data-title') || 'Call me back',
    button: script.getAttribute('data-button') || 'Call me back',
    askName: script.getAttribute('data-name') === 'true',
  };

  var TEXT = {
    sending: 'Sending…',
    requested: 'Request received: we will call you shortly.',
    calling: 'We are calling you now…',
    connected: 'You are connected.',
    completed: 'Call completed. Thank you!',
    failed: 'We could not reach you.',
    cancelled: 'The callback was cancelled.',
    again: 'Request another call',
    network: 'The service could not be reached. Please try again.',
  };
  var FINAL = { completed: true, failed: true, cancelled: true };

  var CSS =
    ':host{all:initial;display:block;font:14px/1.4 system-ui,sans-serif;color:#1b1f24}' +
    'form{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end;padding:12px;border:1px solid #d0d7de;border-radius:8px;background:#fff;max-width:28rem}' +
    'h2{flex-basis:100%;margin:0 0 4px;font-size:16px}' +
    'label{display:flex;flex-direction:column;gap:2px;flex:1 1 10rem;font-size:12px;color:#57606a}' +
    'input{font:inherit;padding:6px 8px;border:1px solid #8c959f;border-radius:6px}' +
    'button{font:inherit;padding:7px 14px;border:0;border-radius:6px;background:#0969da;color:#fff;cursor:pointer}' +
    'button[disabled]{opacity:.6;cursor:default}' +
    '.status{flex-basis:100%;min-height:1.4em;margin:0}' +
    '.status[data-kind=error]{color:#cf222e}.status[data-kind=done]{color:#1a7f37}';

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text) node.textContent = text;
    return node;
  }

  function retryText(seconds) {
    if (!seconds) return '';
    var minutes = Math.ceil(seconds / 60);
    return seconds < 90 ? ' Try again in ' + seconds + ' s.' : ' Try again in ' + minutes + ' min.';
  }

  function mount(host) {
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    var style = el('style');
    style.textContent = CSS;
    var form = el('form', { part: 'form', novalidate: '' });
    var number = el('input', { type: 'tel', name: 'number', autocomplete: 'tel', required: '', placeholder: '+33 1 70 20 02 58' });
    var numberLabel = el('label', {}, 'Your phone number');
    numberLabel.appendChild(number);
    form.appendChild(el('h2', {}, opts.title));
    form.appendChild(numberLabel);
    var name;
    if (opts.askName) {
      name = el('input', { type: 'text', name: 'name', autocomplete: 'name', maxlength: '64' });
      var nameLabel = el('label', {}, 'Your name');
      nameLabel.appendChild(name);
      form.appendChild(nameLabel);
    }
    var button = el('button', { type: 'submit' }, opts.button);
    var status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    form.appendChild(button);
    form.appendChild(status);
    root.appendChild(style);
    root.appendChild(form);

    var stream = null;
    var pollTimer = null;

    function show(state, text, kind) {
      host.setAttribute('data-state', state);
      status.textContent = text;
      status.setAttribute('data-kind', kind || 'info');
      host.dispatchEvent(new CustomEvent('callbridge:callback', { detail: { state: state }, bubbles: true }));
    }

    function stopWatching() {
      if (stream) stream.close();
      stream = null;
      clearTimeout(pollTimer);
      pollTimer = null;
    }

    function onStatus(callback) {
      var state = callback.state;
      var text = TEXT[state] || state;
      if (state === 'failed' && callback.reason) text += ' (' + callback.reason + ')';
      show(state, text, state === 'failed' ? 'error' : FINAL[state] ? 'done' : 'info');
      if (FINAL[state]) {
        stopWatching();
        button.disabled = false;
        button.textContent = TEXT.again;
      }
    }

    function poll(url) {
      fetch(base + url, { headers: { accept: 'application/json' } })
        .then(function (res) { return res.json(); })
        .then(function (body) {
          if (body && body.ok) onStatus(body.callback);
          if (!body || !body.ok || !FINAL[body.callback.state]) pollTimer = setTimeout(function () { poll(url); }, 3000);
        })
        .catch(function () { pollTimer = setTimeout(function () { poll(url); }, 5000); });
    }

    function watch(callback) {
      if (typeof EventSource === 'function') {
        stream = new EventSource(base + callback.events);
        stream.addEventListener('status', function (event) { onStatus(JSON.parse(event.data)); });
        // The stream ends itself at a final state; any other end falls back to polling.
        stream.onerror = function () {
          if (!stream) return;
          stopWatching();
          poll(callback.status);
        };
      } else {
        poll(callback.status);
      }
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      stopWatching();
      var body = { widgetKey: widgetKey, number: number.value };
      if (name && name.value.trim()) body.name = name.value.trim();
      button.disabled = true;
      show('sending', TEXT.sending);
      fetch(base + '/v1/public/callback', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      })
        .then(function (res) {
          var retry = Number(res.headers.get('retry-after')) || 0;
          return res.json().then(function (answer) { return { answer: answer, retry: retry }; });
        })
        .then(function (result) {
          var answer = result.answer;
          if (!answer || !answer.ok) {
            var message = answer && answer.error ? answer.error.message : TEXT.network;
            show('error', message.charAt(0).toUpperCase() + message.slice(1) + '.' + retryText(result.retry), 'error');
            button.disabled = false;
            return;
          }
          onStatus(answer.callback);
          watch(answer.callback);
        })
        .catch(function () {
          show('error', TEXT.network, 'error');
          button.disabled = false;
        });
    });
  }

  function start() {
    var selector = script.getAttribute('data-target');
    var hosts = selector ? document.querySelectorAll(selector) : document.querySelectorAll('[data-callbridge-callback]');
    if (hosts.length === 0) {
      var host = el('div', { 'data-callbridge-callback': '' });
      script.parentNode.insertBefore(host, script.nextSibling);
      hosts = [host];
    }
    for (var i = 0; i < hosts.length; i++) if (!hosts[i].shadowRoot) mount(hosts[i]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
