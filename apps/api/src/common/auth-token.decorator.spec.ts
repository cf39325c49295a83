import { tokenOf } from './auth-token.decorator';

describe('tokenOf', () => {
  const T = 'T'.repeat(43);
  it('reads X-Auth-Token, then Bearer, then the body, then the query', () => {
    expect(tokenOf({ headers: { 'x-auth-token': T, authorization: 'Bearer other' }, body: { token: 'b' }, query: { token: 'q' } })).toBe(T);
    expect(tokenOf({ headers: { authorization: `bearer ${T}` }, body: { token: 'b' }, query: {} })).toBe(T);
    expect(tokenOf({ headers: {}, body: { token: T }, query: { token: 'q' } })).toBe(T);
    expect(tokenOf({ headers: {}, body: undefined, query: { token: T } })).toBe(T);
  });

  it('ignores other schemes, empty values and non-strings', () => {
    expect(tokenOf({ headers: { authorization: `Basic ${T}`, 'x-auth-token': ' ' }, body: { token: ['a'] }, query: { token: '' } })).toBeUndefined();
  });
});
