import { DomainError } from '@push/domain';
import { PublishDto } from '../publish/dto/publish.dto';
import { parseInput } from './input-validation';

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
