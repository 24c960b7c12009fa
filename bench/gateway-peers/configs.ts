// Peer balancer configs for bench/gateway.ts: nginx (round-robin and least_conn, upstream
// keepalive) and HAProxy (leastconn, connection reuse), one worker/thread each like our one process.

export function nginxConf(dir: string, upstreams: string[], ports: { rr: number; lc: number }): string {
  const servers = upstreams.map((u) => `    server ${u.replace(/^http:\/\//, '')};`).join('\n');
  const server = (port: number, up: string): string => `
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${up};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;
  return `worker_processes 1;
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_body_buffer_size 64k;
  keepalive_requests 100000;
  upstream rr {
${servers}
    keepalive 64;
  }
  upstream lc {
    least_conn;
${servers}
    keepalive 64;
  }${server(ports.rr, 'rr')}${server(ports.lc, 'lc')}
}
`;
}

export function haproxyConf(upstreams: string[], port: number): string {
  const servers = upstreams.map((u, i) => `  server r${i} ${u.replace(/^http:\/\//, '')}`).join('\n');
  return `global
  maxconn 4096
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  balance leastconn
  http-reuse always
${servers}
`;
}
