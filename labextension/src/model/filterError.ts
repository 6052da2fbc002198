/**
 * A rejected filter, said plainly: MLflow's parser messages quote Python lists and sets,
 * leave quotes open and run into the server's hint; split them into what is wrong and
 * how to write it.
 */

export interface IFilterError {
  /** what is wrong, one sentence */
  problem: string;
  /** how to write a filter, when the server said */
  hint: string;
}

const HINT = /\s*(Use MLflow search syntax.*)$/s;

/** `['a', 'b']` or `{'a', 'b'}` (a Python repr) -> `a, b` */
function plainList(text: string): string {
  return text.replace(/[[{]([^[\]{}]*)[\]}]/g, (_, inner: string) =>
    inner
      .split(',')
      .map(part => part.trim().replace(/^['"]|['"]$/g, ''))
      .filter(Boolean)
      .join(', ')
  );
}

export function readableFilterError(message: string): IFilterError {
  let text = message.trim().replace(/^Invalid filter:\s*/, '');
  let hint = '';
  const found = HINT.exec(text);
  if (found) {
    hint = found[1].trim();
    text = text.slice(0, found.index);
  }
  text = plainList(text)
    // "not one of '!=, <, =" (MLflow leaves the quote open): the operators, unquoted
    .replace(/not one of '([^']*)'?$/, 'not one of $1')
    .replace(/\bGot value\b/, 'Got')
    .trim();
  if (text && !/[.!?]$/.test(text)) {
    text += '.';
  }
  return { problem: text.charAt(0).toUpperCase() + text.slice(1), hint };
}
