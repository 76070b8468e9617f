/** 3CX's HTTP is the shared exchange (../http-exchange.ts); this names the vendor in errors. */
export { deadlineSignal, exchange, splitBaseUrl, type Answer, type Exchange } from '../http-exchange.js';

export const THREECX_VENDOR_NAME = '3CX';
