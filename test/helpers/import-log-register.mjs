// Loaded with `node --import`: records every module URL the process resolves into the file named
// by IMPORT_LOG, so a test can prove which packages a command loads.
import { register } from 'node:module';
register('./import-log-hooks.mjs', import.meta.url, { data: { file: process.env.IMPORT_LOG } });
