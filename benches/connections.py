"""Where memory goes with many phones connected (#13): opens N TCP
connections to a hoithi server and prints its RSS when they are idle, after
one /healthz each (kept alive), with a request body half sent, and after
closing them. Usage: python3 benches/connections.py PORT SERVER_PID N
(start the server with HOITHI_RATE_LIMITS=off; N needs as many open files)."""
import socket, resource, time, sys, subprocess
h=resource.getrlimit(resource.RLIMIT_NOFILE)[1]; resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
port=int(sys.argv[1]); pid=sys.argv[2]; n=int(sys.argv[3])
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1])//1024
print("start RSS MB", rss())
socks=[]
for i in range(n):
    s=socket.create_connection(("127.0.0.1",port)); socks.append(s)
time.sleep(2); print(f"{n} idle connections RSS MB", rss())
for s in socks: s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(3)
for s in socks:
    try: s.recv(4096)
    except Exception: pass
print(f"{n} kept-alive after one /healthz each RSS MB", rss())
for s in socks: s.sendall(b"PUT /api/v1/attempts/x/answers/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"choices\":")
time.sleep(3); print(f"{n} with a half-sent request body RSS MB", rss())
for s in socks: s.close()
time.sleep(2); print("closed RSS MB", rss())
