// The one set of status marks, used by the check reports (doctor, doctor --pre, install and
// upgrade), the step progress lines and the wizard. ANSI colour codes for the terminal views.
import type { CheckStatus } from './types.js';

export const STATUS_MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

/** SGR colour numbers (32 green, 33 yellow, 31 red, 90 grey); the wizard maps them to Ink colour names. */
export const STATUS_COLOR: Record<CheckStatus, string> = { pass: '32', warn: '33', fail: '31', skip: '90' };

/** Wraps text in the status's colour when `color` is on. */
export function paintStatus(status: CheckStatus, text: string, color: boolean | undefined): string {
  return color ? `\x1b[${STATUS_COLOR[status]}m${text}\x1b[0m` : text;
}
