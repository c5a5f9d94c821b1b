/**
 * The small circular-arrow button that reloads a sidebar area.
 */
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

/** Props of {@link RefreshButton}. */
export interface IRefreshButtonProps {
  /** Extra class, e.g. the area's `-refresh` class the tests look for. */
  className: string;
  /** Accessible name and tooltip, e.g. "Refresh runs". */
  label: string;
  onClick: () => void;
}

/** A minimal JupyterLab button with the refresh icon and an accessible name. */
export function RefreshButton(props: IRefreshButtonProps): JSX.Element {
  return (
    <button
      type="button"
      className={`${props.className} jp-Button jp-mod-minimal`}
      aria-label={props.label}
      title={props.label}
      onClick={props.onClick}
    >
      <refreshIcon.react tag="span" />
    </button>
  );
}
