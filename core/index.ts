/** The session model shared by app/ and worker/: no DOM, no Workers APIs. */
export * from './limits';
export * from './fields';
export * from './migrate';
export * from './instruments';
export * from './model';
export * from './arrangement';
export * from './schema';
export * from './reducer';
export * from './timeline';
export * from './events';
export * from './protocol';
export * from './replica';
export * from './templates';
export * from './undo';
export * from './TokenBucket';
export * from './documents';
export * from './ids';
