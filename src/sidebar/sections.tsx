/**
 * The sections of the sidebar, below the status header.
 *
 * Each feature (S3, compute, runs) swaps its placeholder for its real widget by
 * changing its `create` in {@link sectionSpecs}; a new section is one more entry.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import type { UcdhClient } from '../client';
import { ComputeSection } from '../compute/widget';
import { RunsSection } from '../runs/section';
import { S3Section } from '../s3/section';
import { CSS } from '../tokens';

/** One accordion section of the sidebar. */
export interface ISectionSpec {
  /** Stable key: the CSS class suffix (`jp-ucdh-Section-<key>`) and widget id. */
  key: string;
  /** Title shown on the accordion bar. */
  title: string;
  /** Build the section's content widget. */
  create: () => Widget;
}

/**
 * The sections in display order.
 *
 * @param client the server routes the sections' requests use
 * @param commands the application's commands, for sections that open documents or dialogs
 * @param workspaceFolder the file browser's folder, where S3 copies land
 */
export function sectionSpecs(
  trans: TranslationBundle,
  client: UcdhClient,
  commands?: CommandRegistry,
  workspaceFolder?: () => string
): ISectionSpec[] {
  return [
    {
      key: 's3',
      title: trans.__('S3 data'),
      create: () => new S3Section({ trans, client, workspaceFolder, commands })
    },
    {
      key: 'compute',
      title: trans.__('Compute'),
      create: () => new ComputeSection({ trans, client })
    },
    {
      key: 'runs',
      title: trans.__('Runs'),
      create: () => new RunsSection({ trans, client, commands })
    }
  ];
}

/** Build a section's widget from its spec, with the title and classes the UI tests rely on. */
export function createSection(spec: ISectionSpec): Widget {
  const widget = spec.create();
  widget.id = `ucdh-jupyter-section-${spec.key}`;
  widget.title.label = spec.title;
  widget.addClass(CSS.section);
  widget.addClass(`${CSS.section}-${spec.key}`);
  return widget;
}
