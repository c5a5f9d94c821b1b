/**
 * The bar under the object list while rows are selected: how many, and the
 * actions that apply to all of them at once.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import {
  closeIcon,
  copyIcon,
  deleteIcon,
  downloadIcon,
  folderIcon,
  LabIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { CSS } from '../tokens';
import { S3Action, S3ActionHandler } from './actions';
import type { S3Row } from './model';

/** Props of {@link SelectionBar}. */
export interface ISelectionBarProps {
  /** The selected rows that are shown. */
  rows: S3Row[];
  onAction: S3ActionHandler;
  onClear: () => void;
  trans: TranslationBundle;
}

/** "N selected" with Download, Copy URIs, Copy to workspace, Delete and Clear. */
export function SelectionBar(props: ISelectionBarProps): JSX.Element | null {
  const { rows, onAction, onClear, trans } = props;
  if (rows.length === 0) {
    return null;
  }
  const objects = rows.filter(row => row.kind === 'object').length;
  const button = (
    action: S3Action,
    label: string,
    title: string,
    icon: LabIcon,
    disabled = false
  ): JSX.Element => (
    <button
      type="button"
      className={`${CSS.S3.bulk} jp-Button jp-mod-minimal${
        action === 'delete' ? ' jp-mod-warn' : ''
      }`}
      data-action={action}
      title={title}
      disabled={disabled}
      onClick={() => onAction(action, rows)}
    >
      <icon.react tag="span" />
      <span className={CSS.S3.bulkLabel}>{label}</span>
    </button>
  );
  return (
    <div
      className={CSS.S3.selectionBar}
      role="toolbar"
      aria-label={trans.__('Selected items')}
      onKeyDown={event => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onClear();
        }
      }}
    >
      <span className={CSS.S3.selectionCount} aria-live="polite">
        {trans.__('%1 selected', rows.length)}
      </span>
      {button(
        'download',
        trans.__('Download'),
        objects === rows.length
          ? trans._n(
              'Download %1 object',
              'Download each of %1 objects',
              objects
            )
          : trans.__(
              'Download the %1 selected objects (folders: use Copy to workspace)',
              objects
            ),
        downloadIcon,
        objects === 0
      )}
      {button(
        'uri',
        trans.__('URIs'),
        trans.__('Copy the s3:// URIs, one per line'),
        copyIcon
      )}
      {button(
        'workspace',
        trans.__('To workspace'),
        trans.__('Copy the selected items into the file browser folder'),
        folderIcon
      )}
      {button(
        'delete',
        trans.__('Delete'),
        trans.__('Delete the selected items (asks first, with the count)'),
        deleteIcon
      )}
      <button
        type="button"
        className={`${CSS.S3.clearSelection} jp-Button jp-mod-minimal`}
        title={trans.__('Clear the selection (Escape)')}
        aria-label={trans.__('Clear the selection')}
        onClick={onClear}
      >
        <closeIcon.react tag="span" />
      </button>
    </div>
  );
}
