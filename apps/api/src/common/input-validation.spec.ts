import { DomainError } from '@push/domain';
import { PublishDto } from '../publish/dto/publish.dto';
import { getMetadataStorage, validateSync } from 'class-validator';
import fc from 'fast-check';
import { MarkReadDto } from '../user-queue/dto/mark-read.dto';
import { acceptsFlat, parseFlatInput, parseInput } from './input-validation';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('parseInput', () => {
  it('keeps declared fields only', () => {
    expect({ ...parseInput(PublishDto, { title: 't', extra: 1, token: 'x' }) }).toEqual({ title: 't' });
  });

  it('names every bad field, the most basic problem first', () => {
    expect(messageOf(() => parseInput(PublishDto, { title: 7, replaceId: 'r'.repeat(300) }))).toBe(
      'invalid_input: title must be a string; replaceId must be at most 256 characters',
    );
    expect(messageOf(() => parseInput(PublishDto, undefined))).toBe('invalid_input: title is required');
  });
});

describe('acceptsFlat', () => {
  // every DTO the flat path validates; each must compile (else the fast path silently falls back)
  const DTOS = [PublishDto, MarkReadDto] as const;
  const VALUES = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.constant(''),
    fc.string({ maxLength: 8 }),
    fc.string({ minLength: 250, maxLength: 300 }),
    fc.string({ minLength: 1020, maxLength: 1030 }),
    fc.string({ minLength: 2040, maxLength: 2060 }),
    fc.constantFrom('read', 'READ', '1700000000000-1', '0-0', 'https://example.com/a', ' ', '\u0000'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
    fc.object({ maxDepth: 1 }),
  );

  function instanceOf<T extends object>(dto: new () => T, record: Record<string, unknown>): T {
    const instance = new dto() as Record<string, unknown>;
    for (const [k, v] of Object.entries(record)) if (v !== undefined) instance[k] = v;
    return instance as T;
  }

  it.each(DTOS.map((dto) => [dto.name, dto] as const))('%s: accepts exactly what class-validator accepts', (_name, dto) => {
    const fields = Object.keys(Object.fromEntries(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((m) => [m.propertyName, 1])));
    fc.assert(
      fc.property(fc.record(Object.fromEntries(fields.map((f) => [f, VALUES])), { requiredKeys: [] }), (record) => {
        const instance = instanceOf(dto as new () => object, record);
        const classValidatorAccepts = validateSync(instance, { whitelist: true, forbidUnknownValues: false }).length === 0;
        expect(acceptsFlat(dto, instance)).toBe(classValidatorAccepts);
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('parseFlatInput answers valid input without class-validator and invalid input with its messages', () => {
    expect({ ...parseFlatInput(PublishDto, { title: 't', body: 'b', extra: 1 }) }).toEqual({ title: 't', body: 'b' });
    expect(messageOf(() => parseFlatInput(PublishDto, { title: 7, replaceId: 'r'.repeat(300) }))).toBe(
      'invalid_input: title must be a string; replaceId must be at most 256 characters',
    );
  });
});
