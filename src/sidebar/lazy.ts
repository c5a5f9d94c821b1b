/**
 * A section whose content is built only when it is first shown, so a
 * collapsed section or a closed sidebar sends no request.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';

/** A ReactWidget that renders nothing until it is first on screen. */
export abstract class LazyReactWidget extends ReactWidget {
  /** Whether the widget has been shown; `render` returns null until then. */
  protected get started(): boolean {
    return this._started;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    // Attached straight into a visible parent: no after-show message follows.
    if (this.isVisible) {
      this._start();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._start();
  }

  private _start(): void {
    if (!this._started) {
      this._started = true;
      this.update();
    }
  }

  private _started = false;
}
