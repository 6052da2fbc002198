/** The cell source, highlighted by JupyterLab's own CodeMirror language registry. */
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import * as React from 'react';

export function Source(props: {
  code: string;
  languages: IEditorLanguageRegistry | null;
}): JSX.Element {
  const ref = React.useRef<HTMLPreElement>(null);
  React.useEffect(() => {
    const node = ref.current;
    const languages = props.languages;
    if (!node || !languages) {
      return;
    }
    const language = languages.findBest('python');
    node.textContent = '';
    languages.highlight(props.code, language, node).catch(() => {
      node.textContent = props.code;
    });
  }, [props.code, props.languages]);
  return (
    <pre ref={ref} className="jp-mlops-source cm-s-jupyter">
      {props.languages ? null : props.code}
    </pre>
  );
}
