import { loadConfig } from '@push/config';
import { DomainError } from '@push/domain';
import { QueueUrlBuilder } from './queue-urls';

describe('QueueUrlBuilder', () => {
  it('builds URLs from PUBLIC_URL when it is set', () => {
    const urls = new QueueUrlBuilder(loadConfig({ PUBLIC_URL: 'https://push.example.org/' })).forRequest({ protocol: 'http', headers: { host: 'evil.test' } });
    expect(urls.userQueue('abc')).toBe('https://push.example.org/queue/abc/');
  });

  it('falls back to the request protocol and Host, refusing a Host that is not host[:port]', () => {
    const builder = new QueueUrlBuilder(loadConfig({}));
    expect(builder.forRequest({ protocol: 'http', headers: { host: '127.0.0.1:5001' } }).pushUrl('p')).toBe('http://127.0.0.1:5001/queue/p/');
    expect(builder.forRequest({ protocol: 'https', headers: { host: '[::1]:8443' } }).base).toBe('https://[::1]:8443');
    expect(() => builder.forRequest({ protocol: 'http', headers: { host: 'a.test/evil?' } })).toThrow(DomainError);
    expect(() => builder.forRequest({ protocol: 'http', headers: {} })).toThrow(DomainError);
  });
});
