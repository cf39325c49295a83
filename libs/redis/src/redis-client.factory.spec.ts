import { clientIdsNamed } from './redis-client.factory';

describe('clientIdsNamed', () => {
  const list = [
    'id=7 addr=127.0.0.1:50000 laddr=127.0.0.1:6379 fd=8 name=push_gw_ab12cd34 age=3 idle=0 flags=N db=0 sub=0 psub=0',
    'id=8 addr=127.0.0.1:50001 laddr=127.0.0.1:6379 fd=9 name=push_gw_ab12cd34 age=3 idle=0 flags=P db=0 sub=4 psub=0',
    'id=9 addr=127.0.0.1:50002 laddr=127.0.0.1:6379 fd=10 name=push_gw_ab12cd345 age=3 idle=0 flags=N db=0 sub=0 psub=0',
    'id=10 addr=127.0.0.1:50003 laddr=127.0.0.1:6379 fd=11 name= age=3 idle=0 flags=N db=0 sub=0 psub=0',
    // what a cluster client opens for a purpose of its own (its subscriber) carries the name after the purpose
    'id=11 addr=127.0.0.1:50004 laddr=127.0.0.1:6379 fd=12 name=ioredis-cluster(subscriber):push_gw_ab12cd34 age=3 idle=0 flags=P db=0 sub=2 psub=0',
    'id=12 addr=127.0.0.1:50005 laddr=127.0.0.1:6379 fd=13 name=ioredis-cluster(refresher):push_gw_ab12cd345 age=3 idle=0 flags=N db=0 sub=0 psub=0',
    'id=13 addr=127.0.0.1:50006 laddr=127.0.0.1:6379 fd=14 name=other:push_gw_ab12cd34 age=3 idle=0 flags=N db=0 sub=0 psub=0',
    '',
  ].join('\n');

  it("finds every connection with exactly that name, and a cluster client's connections opened under it", () => {
    expect(clientIdsNamed(list, 'push_gw_ab12cd34')).toEqual(['7', '8', '11']);
  });

  it('finds none for another name', () => {
    expect(clientIdsNamed(list, 'push_gw_ffffffff')).toEqual([]);
  });
});
