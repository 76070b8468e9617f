import { fileURLToPath } from 'node:url';

/** The wallboard's static files, served at `/` by `callbridge start` and `callbridge demo`. */
export const WALLBOARD_DIR = fileURLToPath(new URL('./wallboard/', import.meta.url));
