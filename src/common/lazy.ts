/**
 * The one visibility lifecycle of the sidebar's widgets: a widget learns when
 * it comes on screen and when it leaves, whichever way that happens (attached
 * into a visible parent, shown, hidden, detached), and builds its content only
 * when it is first shown, so a collapsed section or a closed sidebar sends no
 * request.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';

/** A ReactWidget that renders nothing until it is first on screen. */
export abstract class LazyReactWidget extends ReactWidget {
  /** Whether the widget has been shown; `render` may return null until then. */
  protected get started(): boolean {
    return this._started;
  }

  /** Whether the widget is on screen now, as the lifecycle last saw it. */
  protected get onScreen(): boolean {
    return this._onScreen;
  }

  /**
   * Called each time the widget comes on screen (the first time after the
   * first render); e.g. resume polling.
   */
  protected onShown(): void {
    // Nothing by default.
  }

  /** Called each time the widget leaves the screen; e.g. stop polling. */
  protected onHidden(): void {
    // Nothing by default.
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    // Attached straight into a visible parent: no after-show message follows.
    if (this.isVisible) {
      this._show();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._show();
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._hide();
  }

  protected onBeforeDetach(msg: Message): void {
    this._hide();
    super.onBeforeDetach(msg);
  }

  private _show(): void {
    if (!this._started) {
      this._started = true;
      this.update();
    }
    if (!this._onScreen) {
      this._onScreen = true;
      this.onShown();
    }
  }

  private _hide(): void {
    if (this._onScreen) {
      this._onScreen = false;
      this.onHidden();
    }
  }

  private _started = false;
  private _onScreen = false;
}
