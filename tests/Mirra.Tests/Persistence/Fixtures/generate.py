#!/usr/bin/env python3
"""Generates the RDB fixtures of RdbLoaderTests with a real redis-server (7.0.15), see README.md.

Usage: generate.py [output-dir]   (default: the directory of this script)
Starts redis-server on a private unix socket in a temporary directory, creates keys, SAVEs, and writes:
  alltypes.rdb / alltypes.json   every type in every encoding 7.0 writes, several databases, TTLs
  small.rdb                      a few small keys, for the corruption tests
  payloads.json                  DUMP payloads of every key of alltypes, with what to expect after RESTORE
"""
import hashlib, json, os, shutil, struct, socket, subprocess, sys, tempfile, time

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
FAR = 4102444800000  # 2100-01-01, in ms: keys with this expiry never expire during the tests
# Small thresholds keep the fixtures small while every encoding still appears; the tests load with the same.
CONFIG = ['hash-max-listpack-entries', '16', 'zset-max-listpack-entries', '16', 'set-max-intset-entries', '16',
          'list-max-listpack-size', '8']


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile('rb')

    def __call__(self, *args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            if isinstance(a, int): a = str(a)
            if isinstance(a, str): a = a.encode()
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def read(self):
        line = self.f.readline()
        t, rest = line[:1], line[1:-2]
        if t == b'+': return rest.decode()
        if t == b'-': raise RuntimeError(rest.decode())
        if t == b':': return int(rest)
        if t == b'$':
            n = int(rest)
            if n < 0: return None
            data = self.f.read(n + 2)[:-2]
            return data
        if t == b'*':
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError('bad reply %r' % line)


def start(tmp, name):
    sock = os.path.join(tmp, name + '.sock')
    p = subprocess.Popen(['redis-server', '--port', '0', '--unixsocket', sock, '--save', '', '--dir', tmp,
                          '--dbfilename', name + '.rdb', '--enable-debug-command', 'yes', '--appendonly', 'no'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(sock): break
        time.sleep(0.05)
    return p, Conn(sock)


def digest(values):
    h = hashlib.sha256()
    for v in values:
        h.update(struct.pack('<I', len(v)) + v)
    return h.hexdigest()


def describe(r, key):
    """What a key holds, normalized so that Mirra's replies can be compared with it: the elements in hex
    (hash pairs and set members sorted), or for big values their count and SHA-256 (of each element's
    length as 4 bytes LE followed by its bytes)."""
    t = r('TYPE', key)
    d = {'key': key.hex(), 'type': t, 'encoding': r('OBJECT', 'ENCODING', key).decode(), 'expireat': r('PEXPIRETIME', key)}
    if t == 'string':
        values = [r('GET', key)]
    elif t == 'hash':
        flat = r('HGETALL', key)
        values = [x for p in sorted(zip(flat[::2], flat[1::2])) for x in p]
    elif t == 'set':
        values = sorted(r('SMEMBERS', key))
    elif t == 'zset':
        values = r('ZRANGE', key, 0, -1, 'WITHSCORES')
    else:
        values = r('LRANGE', key, 0, -1)
    d['count'] = len(values)
    if sum(len(v) for v in values) > 600:
        d['sha256'] = digest(values)
    else:
        d['value'] = [v.hex() for v in values]
    return d


def fill_alltypes(r):
    r('CONFIG', 'SET', *CONFIG)
    r('SELECT', 0)
    r('SET', 'str:embstr', 'hello world')
    r('SET', 'str:int', '12345')
    r('SET', 'str:negint', '-42')
    r('SET', 'str:int32', '2000000000')
    r('SET', 'str:int64', '9223372036854775807')
    r('SET', 'str:notint', '012')
    r('SET', 'str:big-number', '12345678901234567890')
    r('SET', 'str:empty', '')
    r('SET', 'str:binary', b'\x00\x01\xfe\xff\r\n')
    r('SET', 'str:lzf', 'abcdefghij' * 30 + 'xyz')
    r('SET', 'str:raw', ''.join(chr(33 + (i * 7919) % 90) for i in range(300)))
    r('SET', b'key:\x00\xff', 'binary key name')
    r('PFADD', 'hll:sparse', 'a', 'b', 'c', 'd')
    r('CONFIG', 'SET', 'hll-sparse-max-bytes', '0')
    r('PFADD', 'hll:dense', *['e%d' % i for i in range(50)])
    r('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000')
    # listpack integer encodings: 7-bit, 13-bit, 16, 24, 32 and 64-bit; 6 and 12-bit string lengths
    r('HSET', 'hash:listpack', 'small', '5', 'neg13', '-300', 'i16', '20000', 'i24', '70000', 'i32', '100000000',
      'i64', '10000000000', 'str', 'value', 'long', 'v' * 64, '', 'empty field', 'empty value', '')
    r('HSET', 'hash:table', *[x for i in range(40) for x in ('field%d' % i, 'value%d' % i)])
    r('HSET', 'hash:longvalue', 'a', '1', 'b', 'x' * 100)
    r('ZADD', 'zset:listpack', '1', 'one', '1.5', 'one and a half', '-0.25', 'negative', 'inf', 'top', '-inf', 'bottom',
      '3.141592653589793', 'pi', '100000', 'big', '1', 'another one', '0', 'zero')
    r('ZADD', 'zset:skiplist', *[x for i in range(40) for x in (str(i * 1.25 - 50), 'member%d' % i)])
    r('ZADD', 'zset:longmember', '1', 'a', '2', 'm' * 100)
    r('SADD', 'set:intset16', '1', '2', '3', '-5', '32767')
    r('SADD', 'set:intset32', '1', '100000', '-100000')
    r('SADD', 'set:intset64', '1', '10000000000', '-9223372036854775808')
    r('SADD', 'set:strings', 'apple', 'banana', 'cherry', '42')
    r('SADD', 'set:bigints', *[str(i * 1000) for i in range(40)])
    r('RPUSH', 'list:small', 'a', 'b', '1', '-300', '100000', 'hello', '')
    r('RPUSH', 'list:nodes', *['element-%04d-%s' % (i, 'x' * 10) for i in range(60)])
    r('RPUSH', 'list:bigelement', 'before', 'B' * 5000, 'after')
    r('CONFIG', 'SET', 'list-compress-depth', '1')
    r('RPUSH', 'list:compressed', *['compressible-%04d-%s' % (i, 'y' * 30) for i in range(60)])
    r('CONFIG', 'SET', 'list-compress-depth', '0')
    r('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000')
    r('RPUSH', 'list:plain', 'small one', 'P' * 3000, 'small two')
    r('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824')
    r('SET', 'ttl:string', 'expires', 'PXAT', FAR)
    r('HSET', 'ttl:hash', 'f', 'v')
    r('PEXPIREAT', 'ttl:hash', FAR + 123)
    r('SELECT', 1)
    r('SET', 'db1:key', 'in db 1')
    r('SADD', 'db1:set', 'x', 'y')
    r('PEXPIREAT', 'db1:set', FAR + 1)
    r('SELECT', 5)
    r('RPUSH', 'db5:list', '1', '2', '3')
    r('SET', 'db5:expired', 'gone', 'PX', 1)
    time.sleep(0.05)


def main():
    tmp = tempfile.mkdtemp(prefix='mirra-rdb-')
    try:
        p, r = start(tmp, 'alltypes')
        try:
            r('DEBUG', 'SET-ACTIVE-EXPIRE', '0')
            fill_alltypes(r)
            r('SAVE')
            r('DEBUG', 'RELOAD')  # what is described below is what Redis made of the file
            expected, payloads = [], []
            for db in (0, 1, 5):
                r('SELECT', db)
                for key in sorted(r('KEYS', '*')):
                    if key == b'db5:expired':
                        continue  # logically expired (kept by the reload): reading it would delete it
                    d = describe(r, key)
                    d['db'] = db
                    expected.append(d)
                    payloads.append({'db': db, 'key': key.hex(), 'payload': r('DUMP', key).hex()})
            info = {'redis_version': r('INFO', 'server').decode().split('redis_version:')[1].split('\r')[0]}
        finally:
            p.terminate(); p.wait()
        shutil.copy(os.path.join(tmp, 'alltypes.rdb'), OUT)
        with open(os.path.join(OUT, 'alltypes.json'), 'w') as f:
            json.dump({'generated_by': info, 'config': CONFIG, 'expired_keys': [{'db': 5, 'key': b'db5:expired'.hex()}], 'keys': expected}, f, indent=0)
        with open(os.path.join(OUT, 'payloads.json'), 'w') as f:
            json.dump(payloads, f, indent=0)

        p, r = start(tmp, 'small')
        try:
            r('SET', 'k', 'value')
            r('SET', 'n', '7', 'PXAT', FAR)
            r('HSET', 'h', 'a', '1', 'b', 'two')
            r('ZADD', 'z', '1', 'x', '2.5', 'y')
            r('SADD', 's', '1', '2', '3')
            r('RPUSH', 'l', 'p', 'q', '99')
            r('SELECT', 2)
            r('SET', 'other', 'db')
            r('SAVE')
        finally:
            p.terminate(); p.wait()
        shutil.copy(os.path.join(tmp, 'small.rdb'), OUT)
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    main()
