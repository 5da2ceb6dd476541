// One question: a choice list or a text field, with its default's source and the schema's error
// shown right under the field.
import { useState } from 'react';
import { Box, Text } from 'ink';
import { TextInput } from './TextInput.js';
import type { Question, SelectItem, TextQuestion } from '../flow.js';
import { Choices, Frame, Help, KEYS, Source, Title } from './common.js';

export interface QuestionScreenProps {
  question: Question;
  progress: string;
  /** For masked questions: the value typed earlier in this session, if any. */
  secretInitial?: string;
  onSelect: (item: SelectItem) => void;
  onText: (text: string) => void;
}

export function QuestionScreen(props: QuestionScreenProps) {
  const q = props.question;
  return (
    <Frame section={q.section} progress={props.progress} keys={q.kind === 'select' ? KEYS.select : KEYS.text}>
      <Title>{q.title}</Title>
      <Help lines={q.help} />
      <Source source={q.source} />
      <Box marginTop={1} flexDirection="column">
        {q.kind === 'select' ? <Choices items={q.items} initial={q.initial} onSelect={props.onSelect} /> : <TextField question={q} initial={q.mask ? (props.secretInitial ?? '') : q.initial} onSubmit={props.onText} />}
      </Box>
    </Frame>
  );
}

function TextField(props: { question: TextQuestion; initial: string; onSubmit: (text: string) => void }) {
  const [value, setValue] = useState(props.initial);
  const [error, setError] = useState<string | undefined>();
  return (
    <Box flexDirection="column">
      <Box>
        <Text color="cyan">› </Text>
        <TextInput
          value={value}
          mask={props.question.mask ? '*' : undefined}
          placeholder={props.question.placeholder ? `e.g. ${props.question.placeholder}` : undefined}
          onChange={(v) => {
            setValue(v);
            setError(undefined);
          }}
          onSubmit={(v) => {
            const trimmed = props.question.mask ? v : v.trim();
            const problem = props.question.validate(trimmed);
            if (problem) setError(problem);
            else props.onSubmit(trimmed);
          }}
        />
      </Box>
      {error ? (
        <Text color="red">
          ✗ {error}
        </Text>
      ) : null}
    </Box>
  );
}
