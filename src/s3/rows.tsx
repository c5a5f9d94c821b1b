/**
 * One listed folder or object (an option of the object list), and the actions
 * menu of a row or of the selection.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import {
  copyIcon,
  deleteIcon,
  downloadIcon,
  ellipsesIcon,
  fileIcon,
  folderIcon,
  ReactWidget
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { CSS } from '../tokens';
import { actionLabel, actionsFor, S3Action, S3ActionHandler } from './actions';
import { formatExactBytes, formatBytes } from '../common/format';
import { formatModified, S3Row } from './model';
import { ROW_HEIGHT } from './virtual';

const C = CSS.S3;

/** Props of {@link RowView}. */
export interface IRowProps {
  row: S3Row;
  /** Position in the shown rows: where the row is drawn, and `aria-posinset`. */
  index: number;
  /** How many rows are shown (`aria-setsize`; most are not in the DOM). */
  count: number;
  selected: boolean;
  /** The row Tab lands on (roving tabindex: one row in the tab order). */
  tabbable: boolean;
  /** The row's own buttons act on the row alone. */
  onAction: S3ActionHandler;
  onMenu: (row: S3Row, x: number, y: number) => void;
  /** A click: select, toggle or extend, by its modifier keys. */
  onPick: (row: S3Row, event: React.MouseEvent) => void;
  onFocusRow: (key: string) => void;
  /** An object row starts being dragged: set what it carries. */
  onDragRow: (row: S3Row, dataTransfer: DataTransfer) => void;
  trans: TranslationBundle;
}

/** A folder or object row: name, size, modified, storage class and actions. */
function Row(props: IRowProps): JSX.Element {
  const { row, index, selected, tabbable, trans } = props;
  const { onAction, onMenu, onPick, onFocusRow, onDragRow } = props;
  const object = row.kind === 'object' ? row.object : null;
  const Icon = object ? fileIcon : folderIcon;
  const button = (
    action: S3Action,
    className: string,
    icon: JSX.Element
  ): JSX.Element => (
    <button
      type="button"
      tabIndex={-1}
      className={`${className} jp-Button jp-mod-minimal`}
      title={actionLabel(action, trans)}
      aria-label={`${actionLabel(action, trans)} ${row.name}`}
      onClick={event => {
        event.stopPropagation();
        onAction(action, [row]);
      }}
      onDoubleClick={event => event.stopPropagation()}
    >
      {icon}
    </button>
  );
  return (
    <li
      className={C.row}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={props.count}
      data-key={row.key}
      data-kind={row.kind}
      data-index={index}
      style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT }}
      tabIndex={tabbable ? 0 : -1}
      aria-label={
        row.kind === 'folder' ? trans.__('Folder %1', row.name) : row.name
      }
      onFocus={event => {
        if (event.target === event.currentTarget) {
          onFocusRow(row.key);
        }
      }}
      onClick={event => onPick(row, event)}
      onDoubleClick={() => onAction(object ? 'properties' : 'open', [row])}
      draggable={object !== null}
      onDragStart={event => {
        if (object) {
          onDragRow(row, event.dataTransfer);
        }
      }}
      onContextMenu={event => {
        event.preventDefault();
        event.stopPropagation();
        onMenu(row, event.clientX, event.clientY);
      }}
    >
      <Icon.react tag="span" className={CSS.S3.icon} />
      <span className={CSS.S3.name} title={row.key}>
        {row.kind === 'folder' ? `${row.name}/` : row.name}
      </span>
      <span
        className={C.size}
        title={object ? formatExactBytes(object.size) : undefined}
      >
        {object ? formatBytes(object.size) : ''}
      </span>
      <span className={CSS.S3.modified}>
        {object ? formatModified(object.last_modified) : ''}
      </span>
      <span className={CSS.S3.storageClass}>
        {object ? object.storage_class : ''}
      </span>
      <span className={CSS.S3.rowActions}>
        {object &&
          button('download', C.download, <downloadIcon.react tag="span" />)}
        {button('uri', C.uri, <copyIcon.react tag="span" />)}
        {button('delete', C.remove, <deleteIcon.react tag="span" />)}
        <button
          type="button"
          tabIndex={-1}
          className={`${C.actions} jp-Button jp-mod-minimal`}
          title={trans.__('More actions')}
          aria-label={trans.__('Actions of %1', row.name)}
          aria-haspopup="menu"
          onClick={event => {
            event.stopPropagation();
            const box = event.currentTarget.getBoundingClientRect();
            onMenu(row, box.left, box.bottom);
          }}
        >
          <ellipsesIcon.react tag="span" />
        </button>
      </span>
    </li>
  );
}

/** A row re-renders only when its own props change (pages hold 1,000 rows). */
export const RowView = React.memo(Row);

/** Props of {@link ActionMenu}. */
export interface IActionMenuProps {
  /** The row right-clicked, or the selection it is part of. */
  rows: S3Row[];
  x: number;
  y: number;
  onAction: S3ActionHandler;
  onClose: () => void;
  trans: TranslationBundle;
}

/** The actions of a row or a selection, at the pointer or under a ⋯ button. */
export function ActionMenu(props: IActionMenuProps): JSX.Element {
  const { rows, x, y, onAction, onClose, trans } = props;
  const menu = React.useRef<HTMLUListElement>(null);
  const [position, setPosition] = React.useState({ left: x, top: y });
  React.useLayoutEffect(() => {
    // Keep the whole menu on screen: above the pointer near the bottom edge,
    // left of it near the right edge.
    const box = menu.current?.getBoundingClientRect();
    if (!box) {
      return;
    }
    const left = Math.max(0, Math.min(x, window.innerWidth - box.width));
    const top =
      y + box.height > window.innerHeight ? Math.max(0, y - box.height) : y;
    setPosition({ left, top });
  }, [x, y]);
  React.useEffect(() => {
    // Back to the row (or wherever the menu was opened from) once it closes.
    const opener = document.activeElement as HTMLElement | null;
    menu.current?.querySelector<HTMLElement>('button')?.focus();
    return () => {
      if (!document.activeElement || document.activeElement === document.body) {
        opener?.focus({ preventScroll: true });
      }
    };
  }, []);
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const items = Array.from(
      menu.current?.querySelectorAll<HTMLElement>('button') ?? []
    );
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      event.stopPropagation();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    }
  };
  const count = rows.length;
  return (
    <div className={CSS.S3.menuBackdrop} onMouseDown={onClose}>
      <ul
        ref={menu}
        role="menu"
        className={C.menu}
        aria-label={
          count > 1
            ? trans.__('Actions of %1 selected items', count)
            : trans.__('Actions of %1', rows[0]?.name ?? '')
        }
        style={position}
        onMouseDown={event => event.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        {count > 1 && (
          <li role="none" className={CSS.S3.menuCaption}>
            {trans.__('%1 selected', count)}
          </li>
        )}
        {actionsFor(rows).map(action => (
          <li key={action} role="none">
            <button
              type="button"
              role="menuitem"
              data-action={action}
              className={
                action === 'delete'
                  ? 'jp-mod-warn'
                  : action === 'rename'
                    ? C.rename
                    : undefined
              }
              onClick={() => {
                onClose();
                onAction(action, rows);
              }}
            >
              {actionLabel(action, trans, count)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A widget on `document.body` showing whatever element it was last given. */
class Overlay extends ReactWidget {
  content: JSX.Element | null = null;

  protected render(): JSX.Element | null {
    return this.content;
  }
}

/**
 * Show `content` (null: nothing) in a widget attached to `document.body`.
 *
 * A menu rendered inside the sidebar would be positioned against, and clipped
 * by, Lumino's panels (they set `contain: strict`, which traps fixed elements).
 */
export function useBodyOverlay(content: JSX.Element | null): void {
  const overlay = React.useRef<Overlay | null>(null);
  React.useEffect(() => {
    if (!content && !overlay.current) {
      return;
    }
    if (!overlay.current) {
      overlay.current = new Overlay();
      overlay.current.addClass(CSS.S3.overlay);
      overlay.current.content = content;
      Widget.attach(overlay.current, document.body);
      return;
    }
    // Rendered later, by Lumino's message loop: this may run inside an event
    // of the overlay's own React root, which must not be re-rendered from here.
    overlay.current.content = content;
    overlay.current.update();
  });
  React.useEffect(
    () => () => {
      const widget = overlay.current;
      // Unmounting a React root while another one commits is refused: later.
      window.setTimeout(() => widget?.dispose(), 0);
    },
    []
  );
}
