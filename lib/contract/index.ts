export * from './common';
export * from './messages';
export * from './rules';
export * from './session';
