/** The versions of one registered model, newest first, with what each came from. */
import * as React from 'react';

import { IModelDetail, IModelVersion } from '../api';
import { deploymentKey, deploymentRef } from '../model/deployments';
import { formatTime } from '../model/format';
import { shortDigest } from '../model/models';
import { AliasBadges } from './badges';
import type { IModelActions } from './ModelsSection';

function Fact(props: { label: string; children: React.ReactNode }): JSX.Element | null {
  if (props.children === null || props.children === undefined || props.children === '') {
    return null;
  }
  return (
    <tr>
      <th>{props.label}</th>
      <td>{props.children}</td>
    </tr>
  );
}

function Version(props: {
  name: string;
  version: IModelVersion;
  highlighted: boolean;
  actions: IModelActions;
}): JSX.Element {
  const { name, version: v, highlighted, actions } = props;
  const ref = React.useRef<HTMLLIElement>(null);
  React.useEffect(() => {
    if (highlighted) {
      ref.current?.scrollIntoView?.({ block: 'nearest' });
    }
  }, [highlighted]);
  const lineage = v.lineage ?? { datasets: [] };
  const cell = [lineage.notebook, lineage.cell_id ? `cell ${lineage.cell_id.slice(0, 8)}` : '']
    .filter(Boolean)
    .join(' · ');
  return (
    <li
      ref={ref}
      className={`jp-mlops-version${highlighted ? ' jp-mod-selected' : ''}`}
      data-version={v.version}
    >
      <div className="jp-mlops-version-head">
        <strong>v{v.version}</strong>
        <AliasBadges aliases={v.aliases} />
        <span className="jp-mlops-muted">
          {v.status !== 'READY' ? v.status : ''} {formatTime(v.created)}
        </span>
        <button
          className="jp-mlops-link jp-mlops-version-lineage"
          onClick={() => actions.showLineage(`${name}/${v.version}`)}
          title={`Draw the lineage of ${name} v${v.version}`}
        >
          lineage
        </button>
      </div>
      <table className="jp-mlops-kv">
        <tbody>
          <Fact label="run">
            {v.run_id ? (
              <button
                className="jp-mlops-link jp-mlops-version-run"
                onClick={() => actions.showRun(v.run_id as string)}
                title="Show this run"
              >
                {v.run_id.slice(0, 12)}
              </button>
            ) : null}
          </Fact>
          <Fact label="flavor">{lineage.flavor}</Fact>
          <Fact label="variable">{lineage.variable ? <code>{lineage.variable}</code> : null}</Fact>
          <Fact label="cell">{cell}</Fact>
          <Fact label="gate">{lineage.gate ? <code>{lineage.gate}</code> : null}</Fact>
          {v.description ? <Fact label="note">{v.description}</Fact> : null}
        </tbody>
      </table>
      {lineage.datasets && lineage.datasets.length > 0 ? (
        <ul className="jp-mlops-datasets jp-mlops-version-datasets">
          {lineage.datasets.map((d, i) => (
            <li key={i}>
              {d.name ?? 'data'} <span className="jp-mlops-muted">{d.role ?? ''}</span>{' '}
              <code title={`fingerprint ${d.digest ?? ''}`}>{shortDigest(d.digest)}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {v.deployments.length > 0 ? (
        <ul className="jp-mlops-version-deployments">
          {v.deployments.map(d => (
            <li key={deploymentKey(d)}>
              deployed as {deploymentRef(d)} at{' '}
              <a
                className="jp-mlops-endpoint"
                href={d.endpoint}
                target="_blank"
                rel="noopener noreferrer"
              >
                {d.endpoint}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function ModelVersions(props: {
  detail: IModelDetail;
  highlight: string | null;
  actions: IModelActions;
}): JSX.Element {
  const { detail } = props;
  if (detail.versions.length === 0) {
    return <div className="jp-mlops-muted">No versions.</div>;
  }
  return (
    <ul className="jp-mlops-versions">
      {detail.versions.map(v => (
        <Version
          key={v.version}
          name={detail.name}
          version={v}
          highlighted={props.highlight === v.version}
          actions={props.actions}
        />
      ))}
    </ul>
  );
}
