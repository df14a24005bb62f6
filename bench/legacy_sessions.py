#!/usr/bin/env python3
"""Bytes per idle legacy session: python3 legacy_sessions.py SERVER_PID PORT N (opens N+1 2025-11-25 sessions over one keep-alive connection, prints VmRSS before/after)."""
import http.client, json, sys, subprocess, os, time
pid=int(sys.argv[1]); port=int(sys.argv[2]); n=int(sys.argv[3])
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1])
c=http.client.HTTPConnection("127.0.0.1",port)
hdr={"Content-Type":"application/json","Accept":"application/json, text/event-stream"}
def init(i):
    body=json.dumps({"jsonrpc":"2.0","id":i,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"s","version":"1"}}})
    c.request("POST","/mcp",body,hdr); r=c.getresponse(); r.read()
    sid=r.getheader("mcp-session-id"); assert r.status==200 and sid, (r.status, sid)
    h=dict(hdr); h["mcp-session-id"]=sid; h["MCP-Protocol-Version"]="2025-11-25"
    c.request("POST","/mcp",json.dumps({"jsonrpc":"2.0","method":"notifications/initialized"}),h); r=c.getresponse(); r.read()
    assert r.status in (200,202), r.status
init(0); time.sleep(0.3); idle=rss()
for i in range(1,n+1): init(i)
time.sleep(0.5); after=rss()
print(json.dumps({"rss_idle_kb_after_1_session":idle,"rss_after_kb":after,"sessions":n+1,"bytes_per_session":(after-idle)*1024/n}))
