import { readableFilterError } from '../src/model/filterError';

const HINT =
  " Use MLflow search syntax, for example metrics.accuracy > 0.9 and params.model = 'rf'.";

describe('readableFilterError', () => {
  it('unquotes the operators and splits off the hint', () => {
    const e = readableFilterError(
      "Invalid filter: Invalid comparator '>>>' not one of '!=, <, <=, =, >, >=" + HINT
    );
    expect(e.problem).toBe("Invalid comparator '>>>' not one of !=, <, <=, =, >, >=.");
    expect(e.hint).toBe(
      "Use MLflow search syntax, for example metrics.accuracy > 0.9 and params.model = 'rf'."
    );
  });

  it('shows a Python list or set as plain names', () => {
    for (const repr of ["['metric', 'parameter', 'tag']", "{'metric', 'parameter', 'tag'}"]) {
      const e = readableFilterError(
        `Invalid filter: Invalid entity type 'foo'. Valid values are ${repr}` + HINT
      );
      expect(e.problem).toBe("Invalid entity type 'foo'. Valid values are metric, parameter, tag.");
    }
  });

  it('names the value it got', () => {
    const e = readableFilterError(
      "Invalid filter: Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1" +
        HINT
    );
    expect(e.problem).toBe(
      "Expected a quoted string value for parameter (e.g. 'my-value'). Got 0.1."
    );
  });

  it('keeps a message it does not know', () => {
    expect(readableFilterError('nope')).toEqual({ problem: 'Nope.', hint: '' });
  });
});
