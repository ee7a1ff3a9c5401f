/**
 * Annotation naming the condition that must be True (for the object's current generation) before
 * the object counts as healthy. kstatus counts a custom object with no status yet as Current, so
 * without it a wait would end before the operator has even seen the object.
 */
export const READY_CONDITION_ANNOTATION = 'capstan.dev/ready-condition';
