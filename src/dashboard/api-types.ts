/**
 * The JSON the dashboard server sends and its front end reads. Free of imports, so both sides
 * (Node and the browser bundle) compile against the same types.
 */

/** kstatus health, plus Unknown while the object's kind has not been listed yet. */
export type HealthState = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

/** Health and the reason for it. */
export interface HealthView { status: HealthState; message: string }

/** One condition as the views show it. */
export interface ConditionView { type: string; status: string; reason?: string | undefined; message?: string | undefined; lastTransitionTime?: string | undefined }

/** One row of the Syncs page. */
export interface SyncSummary {
  namespace: string;
  name: string;
  url: string;
  /** `branch main`, `tag v1`, `commit 0123…`. */
  ref: string;
  suspended: boolean;
  pinned: string | null;
  revision: string | null;
  /** The commit subject of the applied revision, from the history. */
  subject: string | null;
  attempted: string | null;
  lastAppliedTime: string | null;
  ready: ConditionView | null;
  stalled: ConditionView | null;
  reconciling: ConditionView | null;
  /** Inventory objects by health. */
  counts: Partial<Record<HealthState, number>>;
  objects: number;
}

/** What identifies an object in the API. */
export interface ObjectId { apiVersion: string; kind: string; namespace?: string | undefined; name: string }

/** One node of a Sync's resource tree. */
export interface TreeNode extends ObjectId {
  /** Unique within the tree. */
  id: string;
  /** The id of the node that owns it; absent for inventory objects. */
  parent?: string | undefined;
  /** Whether the Sync applied it (an inventory entry) rather than a controller making it. */
  inventory: boolean;
  health: HealthView;
}

/** One Event. */
export interface EventView { type: string; reason: string; message: string; count: number; time: string | null; object: string; source: string }

/** One applied revision. */
export interface HistoryView { revision: string; time: string; subject?: string | undefined; created: number; configured: number; deleted: number }

/** The One Sync page. */
export interface SyncDetail {
  sync: SyncSummary;
  tree: TreeNode[];
  /** Objects left out of the tree to bound its size. */
  truncated: number;
  history: HistoryView[];
  events: EventView[];
  conditions: ConditionView[];
}

/** A table: printer columns or an operated app's rows. */
export interface TableView {
  title: string;
  columns: string[];
  /** Printer column types (`date` cells are shown as an age); absent for an app's own tables. */
  types?: string[] | undefined;
  rows: string[][];
}

/** The One object page. */
export interface ObjectDetail {
  object: ObjectId;
  uid: string | null;
  health: HealthView;
  /** The live object as YAML, Secret values masked and managedFields left out. */
  yaml: string;
  /** The managedFields, folded to who wrote what when. */
  managedFields: { manager: string; operation: string; time: string | null; subresource: string | null }[];
  conditions: ConditionView[];
  events: EventView[];
  /** Printer columns (custom resources) and an operated app's own tables. */
  tables: TableView[];
  /** Containers, for pods, to read the logs of. */
  containers: string[];
  owners: ObjectId[];
  /** The Sync whose inventory holds it, if any. */
  sync: { namespace: string; name: string } | null;
  /** The unified diff of the live object against what the next apply would write; null when unavailable, with `diffNote` saying why. */
  diff: string | null;
  diffNote: string | null;
}

/** What an SSE connection subscribes to. */
export type ViewRequest =
  | { view: 'syncs' }
  | { view: 'sync'; namespace: string; name: string }
  | { view: 'object'; id: ObjectId };

/** The answer of an action POST. */
export interface ActionResult { ok: boolean; message: string }
