// A one-line text field with readline keys (src/ui/line-edit.ts). The line lives in a ref that
// each key updates at once: keys that arrive before React renders again (fast typing, a paste,
// repeated Backspace) each see the previous key's result, so none is lost or misplaced.
import { useRef, useState } from 'react';
import { Text, useInput } from 'ink';
import { editLine, type LineState } from '../line-edit.js';

export interface TextInputProps {
  value: string;
  /** Shown instead of each character (secrets). */
  mask?: string;
  placeholder?: string;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
}

export function TextInput(props: TextInputProps) {
  const line = useRef<LineState>({ value: props.value, cursor: props.value.length });
  // The parent may replace the value (a default filled in): follow it, cursor at the end.
  if (props.value !== line.current.value) line.current = { value: props.value, cursor: props.value.length };
  const [, rerender] = useState(0);

  useInput((input, key) => {
    if (key.ctrl && input === 'c') return; // the wizard's own Ctrl-C handler
    const before = line.current;
    const { state, submit } = editLine(before, input, key);
    line.current = state;
    if (state.value !== before.value) props.onChange(state.value);
    else if (state.cursor !== before.cursor) rerender((n) => n + 1);
    if (submit) props.onSubmit(state.value);
  });

  const { value, cursor } = line.current;
  if (value === '' && props.placeholder) {
    return (
      <Text>
        <Text inverse>{props.placeholder[0]}</Text>
        <Text dimColor>{props.placeholder.slice(1)}</Text>
      </Text>
    );
  }
  const shown = props.mask ? props.mask.repeat(value.length) : value;
  return (
    <Text>
      {shown.slice(0, cursor)}
      <Text inverse>{shown[cursor] ?? ' '}</Text>
      {shown.slice(cursor + 1)}
    </Text>
  );
}
