import { ValidationPipe } from '@nestjs/common';
import { DomainError } from '@push/domain';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationError, validateSync, ValidatorOptions } from 'class-validator';

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

/**
 * parseInput for a DTO of plain fields (no class-transformer decorators): copies only the declared
 * fields that the input owns (so `__proto__` and other keys never reach the instance), then runs
 * the same class-validator rules. The publish hot path uses it: plainToInstance costs more than
 * the validation itself.
 */
export function parseFlatInput<T extends object>(dto: ClassConstructor<T>, plain: unknown): T {
  const record = asRecord(plain);
  const instance = new dto();
  const fields = instance as unknown as Record<string, unknown>;
  for (const field of fieldsOf(dto)) {
    if (Object.prototype.hasOwnProperty.call(record, field)) fields[field] = record[field];
  }
  const errors = validateSync(instance, VALIDATOR_OPTIONS);
  if (errors.length > 0) throw validationFailure(errors);
  return instance;
}
