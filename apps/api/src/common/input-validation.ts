import { ValidationPipe } from '@nestjs/common';
import { DomainError } from '@push/domain';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { getMetadataStorage, MetadataStorage, ValidationArguments, ValidationError, ValidationTypes, validateSync, ValidatorOptions } from 'class-validator';

/** One rule of a DTO as class-validator's metadata storage holds it. */
type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];

/** Keep only declared fields. */
const VALIDATOR_OPTIONS: ValidatorOptions = { whitelist: true, forbidUnknownValues: false };

/** Of several problems with one field, the most basic is reported ("must be a string" before "too long"). */
const CONSTRAINT_PRIORITY = ['isDefined', 'isString', 'isNotEmpty'];

function mainMessage(constraints: Readonly<Record<string, string>>): string | undefined {
  const name = CONSTRAINT_PRIORITY.find((c) => c in constraints) ?? Object.keys(constraints)[0];
  return name === undefined ? undefined : constraints[name];
}

function firstMessages(errors: readonly ValidationError[]): string[] {
  return errors.flatMap((e) => {
    const own = mainMessage(e.constraints ?? {});
    return own !== undefined ? [own] : firstMessages(e.children ?? []);
  });
}

/** class-validator errors as one invalid_input DomainError naming every bad field ("title must be a string"). */
export function validationFailure(errors: readonly ValidationError[]): DomainError {
  const field = errors[0]?.property;
  return new DomainError('invalid_input', firstMessages(errors).join('; ') || 'input is invalid', field);
}

/** The pipe for @Body()/@Query() DTOs: same options and errors as parseInput. */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({ ...VALIDATOR_OPTIONS, transform: true, exceptionFactory: (errors) => validationFailure(errors) });
}

/** Validates a plain object (a body, a query, or both merged) into a DTO, where one route takes several shapes. */
export function parseInput<T extends object>(dto: ClassConstructor<T>, plain: unknown): T {
  const instance = plainToInstance(dto, asRecord(plain));
  const errors = validateSync(instance, VALIDATOR_OPTIONS);
  if (errors.length > 0) throw validationFailure(errors);
  return instance;
}

/** A parsed body or query as a record; anything else (no body) as an empty one. */
export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Optional text fields of a form arrive as "" when left blank: that means absent. */
export function blankToUndefined(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

/** The properties a DTO class declares to class-validator, cached per class. */
const declaredFields = new WeakMap<ClassConstructor<object>, readonly string[]>();

function fieldsOf(dto: ClassConstructor<object>): readonly string[] {
  let fields = declaredFields.get(dto);
  if (fields === undefined) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
    fields = [...new Set(metadata.map((m) => m.propertyName))];
    declaredFields.set(dto, fields);
  }
  return fields;
}

/** One field's rules, taken from class-validator's metadata: when they apply, and the checks. */
interface FieldRules {
  readonly property: string;
  /** @IsOptional and @ValidateIf: the field is checked only when all of them say so. */
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  readonly checks: readonly { readonly validate: (value: unknown, args: ValidationArguments) => unknown; readonly args: ValidationArguments }[];
}

/** Metadata types the acceptance check understands; a DTO with any other (nested, promise, @Allow) is not compiled. */
const COMPILABLE_TYPES: ReadonlySet<string> = new Set([ValidationTypes.CONDITIONAL_VALIDATION, ValidationTypes.IS_DEFINED, ValidationTypes.CUSTOM_VALIDATION]);

/** What a check's reused arguments point to between calls, so they keep no request's input alive. */
const NO_OBJECT: object = Object.freeze({});

/** A rule the acceptance check would have to treat specially: the DTO is then left to validateSync alone. */
function compilable(m: ValidationMetadata): boolean {
  return COMPILABLE_TYPES.has(m.type) && !m.each && m.validateIf === undefined && m.always === undefined && !(m.groups?.length > 0);
}

/** The acceptance rules of a flat DTO, or null when it uses a feature they do not cover. */
function compileRules(dto: ClassConstructor<object>): readonly FieldRules[] | null {
  const storage = getMetadataStorage();
  const metadata = storage.getTargetValidationMetadatas(dto, '', false, false);
  if (!metadata.every(compilable)) return null;
  const rules: FieldRules[] = [];
  for (const property of fieldsOf(dto)) {
    const own = metadata.filter((m) => m.propertyName === property);
    const conditions = own
      .filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION)
      .map((m) => m.constraints[0] as (object: object, value: unknown) => boolean);
    const checks: FieldRules['checks'][number][] = [];
    for (const m of own.filter((x) => x.type !== ValidationTypes.CONDITIONAL_VALIDATION)) {
      for (const constraint of storage.getTargetValidatorConstraints(m.constraintCls)) {
        if (constraint.async) return null;
        const instance = constraint.instance as { validate: (value: unknown, args: ValidationArguments) => unknown };
        const args: ValidationArguments = { targetName: dto.name, property, object: NO_OBJECT, value: undefined, constraints: m.constraints };
        checks.push({ validate: instance.validate.bind(instance), args });
      }
    }
    rules.push({ property, conditions, checks });
  }
  return rules;
}

const compiledRules = new WeakMap<ClassConstructor<object>, readonly FieldRules[] | null>();

function rulesOf(dto: ClassConstructor<object>): readonly FieldRules[] | null {
  let rules = compiledRules.get(dto);
  if (rules === undefined) {
    rules = compileRules(dto);
    compiledRules.set(dto, rules);
  }
  return rules;
}

function conditionsHold(field: FieldRules, instance: object, value: unknown): boolean {
  for (const applies of field.conditions) if (!applies(instance, value)) return false;
  return true;
}

/**
 * True when every class-validator constraint of the DTO holds for this instance, checked with the
 * constraints' own validate functions but without class-validator's per-call bookkeeping (it groups
 * the metadata and builds an error object per field on every call: a third of the publish path's
 * allocations). Only ever answers true when validateSync would find nothing; a false (or a DTO it
 * cannot compile) sends the instance to validateSync, which has the last word and the messages.
 */
export function acceptsFlat(dto: ClassConstructor<object>, instance: object): boolean {
  const rules = rulesOf(dto);
  // compiled for exactly this class: a subclass may carry rules of its own
  if (rules === null || Object.getPrototypeOf(instance) !== dto.prototype) return false;
  const fields = instance as Record<string, unknown>;
  for (const field of rules) {
    const value = fields[field.property];
    if (!conditionsHold(field, instance, value)) continue;
    for (const check of field.checks) {
      const args = check.args as { object: object; value: unknown };
      args.object = instance;
      args.value = value;
      let ok: unknown;
      try {
        ok = check.validate(value, check.args);
      } finally {
        args.object = NO_OBJECT;
        args.value = undefined;
      }
      if (ok !== true) return false;
    }
  }
  return true;
}

/**
 * parseInput for a DTO of plain fields (no class-transformer decorators): copies only the declared
 * fields that the input owns (so `__proto__` and other keys never reach the instance), then applies
 * the same class-validator rules (acceptsFlat first, validateSync for anything it does not accept).
 * The publish hot path uses it: plainToInstance costs more than the validation itself.
 */
export function parseFlatInput<T extends object>(dto: ClassConstructor<T>, plain: unknown): T {
  const record = asRecord(plain);
  const instance = new dto();
  const fields = instance as unknown as Record<string, unknown>;
  for (const field of fieldsOf(dto)) {
    if (Object.prototype.hasOwnProperty.call(record, field)) fields[field] = record[field];
  }
  if (acceptsFlat(dto, instance)) return instance;
  const errors = validateSync(instance, VALIDATOR_OPTIONS);
  if (errors.length > 0) throw validationFailure(errors);
  return instance;
}
