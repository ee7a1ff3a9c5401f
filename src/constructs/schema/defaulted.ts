import { CloneType, Type, type Static, type TArray, type TObject, type TOptional, type TProperties, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { formatIssues, schemaIssues } from './issues.js';

declare const DefaultedMark: unique symbol;

/** A property with a default: optional in the construct props, always present in the operator's view. */
export type TDefaulted<T extends TSchema> = TOptional<T> & { readonly [DefaultedMark]: true };

/**
 * A field that may be left out when writing the resource and that the API server fills
 * with `value` (the CRD `default`), so the operator's view always has it:
 * `size: Defaulted(Type.Integer({ minimum: 1 }), 3)`.
 */
export function Defaulted<T extends TSchema>(schema: T, value: Static<T>): TDefaulted<T> {
  const issues = schemaIssues(schema, value, 'default');
  if (issues.length > 0) throw new Error(`Defaulted: the default does not fit its own schema:\n${formatIssues(issues)}`);
  return Type.Optional(CloneType(schema, { default: Value.Clone(value) })) as TDefaulted<T>;
}

type Flatten<T> = { [K in keyof T]: T[K] } & {};
type IsDefaulted<T> = T extends { readonly [DefaultedMark]: true } ? true : false;
type IsOptional<T> = T extends TOptional<TSchema> ? true : false;

/** Keys present in the view: required ones and defaulted ones. */
type PresentKeys<P extends TProperties> = { [K in keyof P]: IsDefaulted<P[K]> extends true ? K : IsOptional<P[K]> extends true ? never : K }[keyof P];
/** Keys that may be absent in the view. */
type AbsentKeys<P extends TProperties> = Exclude<keyof P, PresentKeys<P>>;

/**
 * The type the operator reads: like `Static<T>`, except that fields declared with
 * {@link Defaulted} are required, since the API server (or `view()`) filled them in.
 */
export type Resolved<T extends TSchema> =
  T extends TObject<infer P> ? Flatten<{ [K in PresentKeys<P>]: Resolved<P[K]> } & { [K in AbsentKeys<P>]?: Resolved<P[K]> }>
    : T extends TArray<infer I> ? Resolved<I>[]
      : Static<T>;
