import { frameKey } from './frame-key';

describe('frameKey', () => {
  it('reads <ms>-<seq> from the frame prefix', () => {
    const frame = Buffer.from('{"key":"1764260000123-7","timestamp":"1764260000.123007","queue":"q","body":{"title":"t"}}');
    expect(frameKey(frame)).toEqual({ ms: 1764260000123, seq: 7 });
  });

  it.each([
    ['not a frame', '{"type":"hello"}'],
    ['no dash', '{"key":"1764260000123","x":1}'],
    ['no seq', '{"key":"1764260000123-","x":1}'],
    ['unterminated', '{"key":"1-2'],
    ['too many digits', '{"key":"1234567890123456-0","x":1}'],
    ['letters', '{"key":"12a-0","x":1}'],
  ])('returns null for %s', (_why, text) => {
    expect(frameKey(Buffer.from(text))).toBeNull();
  });
});
