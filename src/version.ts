// Replaced at build time by tsup's define; falls back to reading package.json in dev runs.
declare const __BUCKETEER_INSTALL_VERSION__: string | undefined;
export const version: string =
  typeof __BUCKETEER_INSTALL_VERSION__ === 'string' ? __BUCKETEER_INSTALL_VERSION__ : '0.0.0-dev';
