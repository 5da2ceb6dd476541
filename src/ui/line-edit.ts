// Line editing for the wizard's text fields, as readline does it: Ctrl-A/Home, Ctrl-E/End,
// Ctrl-U (delete to the start), Ctrl-K (to the end), Ctrl-W (the word before the cursor), arrows,
// Backspace. Pure, so every key is tested without a terminal. Keys that arrive in one burst (a
// paste, fast Backspaces) reach Ink as one string: each character in it is applied in turn.

export interface LineState {
  value: string;
  /** Cursor position in code units, 0..value.length. */
  cursor: number;
}

/** The subset of Ink's Key this module reads. */
export interface LineKey {
  return?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  home?: boolean;
  end?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  tab?: boolean;
  escape?: boolean;
}

export interface LineEdit {
  state: LineState;
  /** Enter was pressed (alone or at the end of a burst): submit state.value. */
  submit: boolean;
}

const clamp = (s: LineState, cursor: number): LineState => ({ value: s.value, cursor: Math.max(0, Math.min(s.value.length, cursor)) });

function backspace(s: LineState): LineState {
  if (s.cursor === 0) return s;
  return { value: s.value.slice(0, s.cursor - 1) + s.value.slice(s.cursor), cursor: s.cursor - 1 };
}

function deleteWordBefore(s: LineState): LineState {
  let start = s.cursor;
  while (start > 0 && /\s/.test(s.value[start - 1])) start--;
  while (start > 0 && !/\s/.test(s.value[start - 1])) start--;
  return { value: s.value.slice(0, start) + s.value.slice(s.cursor), cursor: start };
}

/** A Ctrl+letter, from Ink's key (ctrl + 'u') or a raw control character (\x15) in a burst. */
function control(s: LineState, letter: string): LineState {
  switch (letter) {
    case 'a':
      return clamp(s, 0);
    case 'e':
      return clamp(s, s.value.length);
    case 'b':
      return clamp(s, s.cursor - 1);
    case 'f':
      return clamp(s, s.cursor + 1);
    case 'u':
      return { value: s.value.slice(s.cursor), cursor: 0 };
    case 'k':
      return { value: s.value.slice(0, s.cursor), cursor: s.cursor };
    case 'w':
      return deleteWordBefore(s);
    case 'h':
      return backspace(s);
    default:
      return s; // other Ctrl keys never type a letter
  }
}

export function editLine(state: LineState, input: string, key: LineKey): LineEdit {
  const s = clamp(state, state.cursor);
  if (key.return) return { state: s, submit: true };
  if (key.leftArrow) return { state: clamp(s, s.cursor - 1), submit: false };
  if (key.rightArrow) return { state: clamp(s, s.cursor + 1), submit: false };
  if (key.home) return { state: clamp(s, 0), submit: false };
  if (key.end) return { state: clamp(s, s.value.length), submit: false };
  if (key.upArrow || key.downArrow || key.tab || key.escape || key.meta) return { state: s, submit: false };
  if (key.ctrl) return { state: control(s, input.toLowerCase()), submit: false };
  // A lone Backspace: Ink reports the terminal's DEL (0x7f) as "delete", ^H as "backspace".
  if ((key.backspace || key.delete) && input.length <= 1) return { state: backspace(s), submit: false };
  let next = s;
  for (const ch of input) {
    const code = ch.codePointAt(0)!;
    if (ch === '\r' || ch === '\n') return { state: next, submit: true };
    if (code === 0x7f || code === 0x08) next = backspace(next);
    else if (code >= 1 && code <= 26) next = control(next, String.fromCharCode(code + 96));
    else if (code < 0x20) continue; // other control characters are never typed
    else next = { value: next.value.slice(0, next.cursor) + ch + next.value.slice(next.cursor), cursor: next.cursor + ch.length };
  }
  return { state: next, submit: false };
}
