//! Just enough HTTP/1.1 for a nexo POST: the request line, headers, and a body sent with
//! `Content-Length` or chunked (Node's client sends chunks when it is not told the length).
//! Everything is bounded: header bytes, body bytes, chunk count. One request per connection.

use tokio::io::{AsyncRead, AsyncReadExt};

pub const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("the connection closed before the request was complete")]
    Truncated,
    #[error("the request's headers are not valid HTTP/1.1")]
    BadHead,
    #[error("the request is larger than allowed")]
    TooLarge,
    #[error("the chunked body is not valid")]
    BadChunk,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// Reads one request. `max_body` bounds the decoded body.
pub async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
    max_body: usize,
) -> Result<Request, HttpError> {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(HttpError::TooLarge);
        }
        read_more(stream, &mut buf).await?;
    };
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(&buf[..head_end]) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(HttpError::BadHead),
    }
    let method = parsed.method.unwrap_or_default().to_owned();
    let path = parsed.path.unwrap_or_default().to_owned();
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let length = match header("content-length") {
        Some(v) => Some(v.parse::<usize>().map_err(|_| HttpError::BadHead)?),
        None => None,
    };
    let mut rest = buf.split_off(head_end);
    let body = if chunked {
        read_chunked(stream, &mut rest, max_body).await?
    } else {
        let length = length.unwrap_or(0);
        if length > max_body {
            return Err(HttpError::TooLarge);
        }
        while rest.len() < length {
            read_more(stream, &mut rest).await?;
        }
        rest.truncate(length);
        rest
    };
    Ok(Request { method, path, body })
}

async fn read_more<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> Result<(), HttpError> {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => Err(HttpError::Truncated),
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn read_chunked<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    max_body: usize,
) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(end) = find(buf, b"\r\n") {
                break end;
            }
            if buf.len() > 64 {
                return Err(HttpError::BadChunk);
            }
            read_more(stream, buf).await?;
        };
        let size_text = std::str::from_utf8(&buf[..line_end]).map_err(|_| HttpError::BadChunk)?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| HttpError::BadChunk)?;
        if body.len().saturating_add(size) > max_body {
            return Err(HttpError::TooLarge);
        }
        buf.drain(..line_end + 2);
        if size == 0 {
            // Trailers are not used by POS clients; the body is complete.
            return Ok(body);
        }
        while buf.len() < size + 2 {
            read_more(stream, buf).await?;
        }
        if &buf[size..size + 2] != b"\r\n" {
            return Err(HttpError::BadChunk);
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

/// A complete response with a body; the connection closes after it.
pub fn response(status: u16, reason: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(bytes: &[u8], max: usize) -> Result<Request, HttpError> {
        let mut input = bytes;
        read_request(&mut input, max).await
    }

    #[tokio::test]
    async fn content_length_and_chunked_bodies() {
        let plain = parse(
            b"POST /nexo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            100,
        )
        .await
        .unwrap();
        assert_eq!(
            (
                plain.method.as_str(),
                plain.path.as_str(),
                plain.body.as_slice()
            ),
            ("POST", "/nexo", &b"hello"[..])
        );
        let chunked = parse(b"POST /nexo/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n", 100).await.unwrap();
        assert_eq!(chunked.body, b"hello");
    }

    #[tokio::test]
    async fn limits_and_garbage() {
        assert_eq!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 500\r\n\r\n", 100).await,
            Err(HttpError::TooLarge)
        );
        assert_eq!(
            parse(
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n",
                100
            )
            .await,
            Err(HttpError::TooLarge)
        );
        assert_eq!(
            parse(
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                100
            )
            .await,
            Err(HttpError::BadChunk)
        );
        assert_eq!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", 100).await,
            Err(HttpError::Truncated)
        );
        assert_eq!(
            parse(b"\x00\x01 nonsense\r\n\r\n", 100).await,
            Err(HttpError::BadHead)
        );
        let huge = vec![b'a'; MAX_HEAD + 10];
        assert_eq!(parse(&huge, 100).await, Err(HttpError::TooLarge));
    }
}
