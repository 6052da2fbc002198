/** The panel is never blank: loading, empty and error states share one look. */
import * as React from 'react';

import { IProblem } from '../model/runs';

export function Loading(props: { what: string }): JSX.Element {
  return (
    <div className="jp-mlops-state jp-mlops-loading" role="status">
      <span className="jp-mlops-spinner" /> Loading {props.what}…
    </div>
  );
}

export function Empty(props: { children: React.ReactNode }): JSX.Element {
  return <div className="jp-mlops-state jp-mlops-empty">{props.children}</div>;
}

export function Problem(props: { problem: IProblem; what?: string }): JSX.Element {
  const { problem } = props;
  return (
    <div className="jp-mlops-state jp-mlops-error" role="alert" data-code={problem.code}>
      {props.what ? <strong>{props.what}: </strong> : null}
      {problem.message}
    </div>
  );
}
