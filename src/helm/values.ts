// The values document helm reads on standard input (`--values -`). Secrets never go through a
// file: a file in the temp folder would outlive a kill -9 of the installer.
import { stringify } from 'yaml';
import { deepMerge } from '../util/value-tree.js';

/**
 * One YAML document: the masked values with the secret overlay on top. Helm merges several
 * values files the same way (maps merge, anything else in the later file wins), so this equals
 * passing the two as separate files.
 */
export function valuesDocument(values: object, secretValues?: object): string {
  return stringify(secretValues ? deepMerge(values, secretValues) : values);
}
