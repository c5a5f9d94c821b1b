/**
 * Icons of the extension. Inline SVG keeps the build free of loader config;
 * the `jp-icon3` class lets JupyterLab recolour it for the dark theme.
 */
import { LabIcon } from '@jupyterlab/ui-components';

const CLOUD_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M19.35 10.04A7.49 7.49 0 0 0 12 4C9.11 4 6.6 5.64 5.35 8.04A5.994 5.994 0 0 0 0 14c0 3.31 2.69 6 6 6h13c2.76 0 5-2.24 5-5 0-2.64-2.05-4.78-4.65-4.96z"/>
</svg>`;

/** A simple cloud: the sidebar tab icon and the settings icon. */
export const cloudIcon = new LabIcon({
  name: 'ucdh-jupyter:cloud',
  svgstr: CLOUD_SVG
});
