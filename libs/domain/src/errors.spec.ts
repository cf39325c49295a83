import { DomainError, forbidden, invalid, notFound, unauthenticated } from './errors';
import { isReadMarker } from './message';

describe('domain errors', () => {
  it('carry a code, a message naming the field, and the field', () => {
    const err = invalid('title', 'is required');
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'invalid_input', message: 'title is required', field: 'title', name: 'DomainError' });
  });

  it('have helpers for each refusal', () => {
    expect(unauthenticated()).toMatchObject({ code: 'unauthenticated', field: 'token' });
    expect(unauthenticated().message).toMatch(/token/);
    expect(forbidden('not your queue')).toMatchObject({ code: 'forbidden', message: 'not your queue', field: undefined });
    expect(notFound('no such push URL')).toMatchObject({ code: 'not_found', message: 'no such push URL' });
  });
});

describe('isReadMarker', () => {
  it('tells a read marker from a notification', () => {
    expect(isReadMarker({ read: '1-0' })).toBe(true);
    expect(isReadMarker({ title: 't' })).toBe(false);
    expect(isReadMarker({ title: 't', body: 'read' })).toBe(false);
  });
});
