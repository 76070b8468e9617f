/**
 * The configured widgets by key, and which page origins each one admits. Browsers send `Origin`
 * on every cross-origin request and on same-origin POSTs, so a request without one did not come
 * from a page using the button and is refused.
 */
import type { WidgetConfig } from './widget-config.js';

export interface RequestOrigin {
  /** The request's `Origin` header. */
  readonly origin: string | undefined;
  /** `scheme://host[:port]` the request was addressed to, for `self`. */
  readonly self: string;
}

export class WidgetRegistry {
  readonly #byKey: ReadonlyMap<string, WidgetConfig>;

  constructor(widgets: readonly WidgetConfig[]) {
    this.#byKey = new Map(widgets.map((widget) => [widget.key, widget]));
  }

  get size(): number {
    return this.#byKey.size;
  }

  list(): WidgetConfig[] {
    return [...this.#byKey.values()];
  }

  get(key: string): WidgetConfig | undefined {
    return this.#byKey.get(key);
  }

  /** True when `widget` admits the page the request came from. */
  admits(widget: WidgetConfig, request: RequestOrigin): boolean {
    const origin = request.origin;
    if (origin === undefined || origin === 'null') return false;
    return widget.origins.some((allowed) => (allowed === 'self' ? origin === request.self : origin === allowed));
  }

  /** True when some widget admits the origin: preflights carry no body, hence no widget key. */
  admitsAny(request: RequestOrigin): boolean {
    for (const widget of this.#byKey.values()) if (this.admits(widget, request)) return true;
    return false;
  }
}
