// Building blocks every screen shares. Colour only repeats what a symbol or word already says, so
// NO_COLOR (mapped to FORCE_COLOR=0 before Ink loads) loses nothing.
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import type { SelectItem } from '../flow.js';
import { STATUS_MARK } from '../../checks/marks.js';

export function Frame(props: { section: string; progress?: string; children: ReactNode; keys?: string }) {
  return (
    <Box flexDirection="column" paddingX={1}>
      <Box justifyContent="space-between">
        <Text>
          <Text bold color="cyan">
            bucketeer-install
          </Text>
          <Text> · {props.section}</Text>
        </Text>
        {props.progress ? <Text dimColor>{props.progress}</Text> : null}
      </Box>
      <Box flexDirection="column" marginTop={1}>
        {props.children}
      </Box>
      {props.keys ? (
        <Box marginTop={1}>
          <Text dimColor>{props.keys}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

export const KEYS = {
  select: '↑↓ move · Enter choose · Esc back · Ctrl-C quit',
  text: 'Enter accept · Esc back · Ctrl-C quit',
  first: '↑↓ move · Enter choose · Ctrl-C quit',
};

export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'info';

const MARKS: Record<Status, { mark: string; color?: string }> = {
  pass: { mark: STATUS_MARK.pass, color: 'green' },
  warn: { mark: STATUS_MARK.warn, color: 'yellow' },
  fail: { mark: STATUS_MARK.fail, color: 'red' },
  skip: { mark: STATUS_MARK.skip },
  info: { mark: '·' },
};

export function Mark({ status }: { status: Status }) {
  const m = MARKS[status];
  return <Text color={m.color}>{m.mark}</Text>;
}

export function Title({ children }: { children: ReactNode }) {
  return <Text bold>{children}</Text>;
}

export function Help({ lines }: { lines?: string[] }) {
  if (!lines?.length) return null;
  return (
    <>
      {lines.map((l) => (
        <Text key={l} dimColor>
          {l}
        </Text>
      ))}
    </>
  );
}

export function Source({ source }: { source?: string }) {
  if (!source) return null;
  return <Text color="gray">default: {source}</Text>;
}

/** A list of choices, each with its one-line hint under it. */
export function Choices(props: { items: SelectItem[]; initial?: string; onSelect: (item: SelectItem) => void; isFocused?: boolean }) {
  const hints = new Map(props.items.map((i) => [i.label, i.hint]));
  const initialIndex = Math.max(0, props.items.findIndex((i) => i.value === props.initial));
  return (
    <SelectInput
      items={props.items.map((i) => ({ key: i.value || '(none)', label: i.label, value: i.value }))}
      initialIndex={initialIndex}
      isFocused={props.isFocused}
      onSelect={(it) => props.onSelect(props.items.find((i) => i.value === it.value)!)}
      indicatorComponent={({ isSelected }) => <Text color="cyan">{isSelected ? '❯ ' : '  '}</Text>}
      itemComponent={({ isSelected, label }) => (
        <Box flexDirection="column">
          <Text color={isSelected ? 'cyan' : undefined} bold={isSelected}>
            {label}
          </Text>
          {hints.get(label) ? <Text dimColor>{hints.get(label)}</Text> : null}
        </Box>
      )}
    />
  );
}
