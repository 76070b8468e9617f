export * from './entities.js';
export * from './events.js';
export * from './messages.js';
export * from './commands.js';
