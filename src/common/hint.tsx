/**
 * A hint from the server, shown so a user can act on it.
 *
 * Server hints quote commands in backticks (``run `aws sso login --profile X` ``);
 * rendering them as <code> makes the exact command stand out and easy to copy.
 */
import * as React from 'react';

import { CSS } from '../tokens';

/** Split a hint on backticks; odd pieces are code. An unmatched backtick stays text. */
export function splitHint(text: string): { text: string; code: boolean }[] {
  const pieces = text.split('`');
  if (pieces.length % 2 === 0) {
    const last = pieces.pop() as string;
    pieces[pieces.length - 1] += '`' + last;
  }
  return pieces
    .map((piece, index) => ({ text: piece, code: index % 2 === 1 }))
    .filter(piece => piece.text.length > 0);
}

/** Render a hint paragraph, or nothing when there is no hint. */
export function Hint(props: {
  text: string;
  className?: string;
}): JSX.Element | null {
  if (!props.text) {
    return null;
  }
  const className = props.className
    ? `${CSS.hint} ${props.className}`
    : CSS.hint;
  return (
    <p className={className}>
      {splitHint(props.text).map((piece, index) =>
        piece.code ? (
          <code key={index}>{piece.text}</code>
        ) : (
          <React.Fragment key={index}>{piece.text}</React.Fragment>
        )
      )}
    </p>
  );
}
