import { LabIcon } from '@jupyterlab/ui-components';

/** Three connected steps: a notebook becoming a pipeline. */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h6v6H3V3zm2 2v2h2V5H5zm10 5h6v6h-6v-6zm2 2v2h2v-2h-2zM3 15h6v6H3v-6zm2 2v2h2v-2H5z"/>
    <path d="M9 5.2h4.5a1.5 1.5 0 0 1 1.5 1.5V10h-1.6V6.8H9V5.2zM9 18.8h4.4V16H15v3.3a1.5 1.5 0 0 1-1.5 1.5H9v-2z"/>
  </g>
</svg>`;

export const pipelineIcon = new LabIcon({ name: 'jupyter-mlops:pipeline', svgstr: svg });
