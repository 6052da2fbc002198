/** The run's artifact list; a click previews a text or image artifact in place. */
import * as React from 'react';

import { IArtifactContent } from '../api';
import { DetailModel } from '../model/detail';
import { IProblem } from '../model/runs';
import { Empty, Problem } from './states';

export function Artifacts(props: { model: DetailModel }): JSX.Element {
  const { model } = props;
  const files = (model.run?.artifacts ?? []).filter(a => !a.is_dir);
  const shown = model.artifact;
  if (files.length === 0) {
    return <Empty>No artifacts.</Empty>;
  }
  return (
    <div className="jp-mlops-artifacts">
      <ul>
        {files.map(file => (
          <li key={file.path}>
            <button className="jp-mlops-link" onClick={() => void model.openArtifact(file.path)}>
              {file.path}
            </button>{' '}
            <span className="jp-mlops-muted">{file.file_size ?? 0} B</span>
          </li>
        ))}
      </ul>
      {shown === null ? null : !isContent(shown) ? (
        <Problem problem={shown} what="Cannot show the artifact" />
      ) : shown.kind === 'image' ? (
        <img
          className="jp-mlops-image"
          alt={shown.path}
          src={`data:${shown.mime};base64,${shown.data}`}
        />
      ) : (
        <pre className="jp-mlops-artifact-text">
          {shown.content}
          {shown.truncated ? '\n… (cut; open it in the MLflow UI for the rest)' : ''}
        </pre>
      )}
    </div>
  );
}

function isContent(value: IArtifactContent | IProblem): value is IArtifactContent {
  return 'kind' in value;
}
