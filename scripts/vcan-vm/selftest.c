/*
 * Proof that the vcan-vm harness gives a working SocketCAN vcan0: two raw
 * sockets bound to the same interface, one sends, the other must receive
 * the identical frame (vcan echoes every frame back up the stack, and with
 * CAN_RAW_LOOPBACK on by default other local sockets see it).  The sender
 * must *not* see its own frame (CAN_RAW_RECV_OWN_MSGS defaults to off), which
 * shows the frame really went through the interface's echo path.
 *
 * It also checks the harness plumbing the selftest script asks for via
 * environment: VCANVM_SELFTEST_EXPECT_FILE (a file copied with --file that
 * must contain VCANVM_SELFTEST_EXPECT_TEXT) and VCANVM_SELFTEST_EXPECT_CWD.
 *
 * Usage: selftest [IFNAME]      (default vcan0)
 *        selftest --exit N      (just exit with N; tests status propagation)
 * Exit 0 on success, 1 on failure (with a message on stderr).
 */
#include <errno.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "selftest: FAIL: %s: %s\n", what, errno ? strerror(errno) : "");
  return 1;
}

static int open_bound(const char *ifname) {
  int s = socket(PF_CAN, SOCK_RAW, CAN_RAW);
  if (s < 0)
    return -1;
  struct sockaddr_can addr = {.can_family = AF_CAN, .can_ifindex = (int)if_nametoindex(ifname)};
  if (addr.can_ifindex == 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(s);
    return -1;
  }
  return s;
}

/* 1 if a frame is readable on s within timeout_ms, 0 if not, -1 on error. */
static int readable(int s, int timeout_ms) {
  struct pollfd p = {.fd = s, .events = POLLIN};
  return poll(&p, 1, timeout_ms);
}

static int check_plumbing(void) {
  const char *path = getenv("VCANVM_SELFTEST_EXPECT_FILE");
  const char *text = getenv("VCANVM_SELFTEST_EXPECT_TEXT");
  const char *cwd = getenv("VCANVM_SELFTEST_EXPECT_CWD");
  if (path && text) {
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
      return fail("open --file payload");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (!strstr(buf, text)) {
      errno = 0;
      return fail("--file payload has unexpected content");
    }
    printf("selftest: --file and --env ok (%s)\n", path);
  }
  if (cwd) {
    char here[4096];
    if (!getcwd(here, sizeof here))
      return fail("getcwd");
    if (strcmp(here, cwd) != 0) {
      errno = 0;
      fprintf(stderr, "selftest: cwd is %s, expected %s\n", here, cwd);
      return fail("--cwd");
    }
    printf("selftest: --cwd ok (%s)\n", here);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--exit") == 0)
    return atoi(argv[2]);
  const char *ifname = argc > 1 ? argv[1] : "vcan0";

  if (check_plumbing() != 0)
    return 1;

  int rx = open_bound(ifname);
  if (rx < 0)
    return fail("open/bind receiving socket");
  int tx = open_bound(ifname);
  if (tx < 0)
    return fail("open/bind sending socket");

  struct can_frame out = {.can_id = 0x123, .can_dlc = 8};
  memcpy(out.data, "\xde\xad\xbe\xef\x01\x02\x03\x04", 8);
  if (write(tx, &out, sizeof out) != (ssize_t)sizeof out)
    return fail("write frame");

  int r = readable(rx, 2000);
  if (r <= 0) {
    if (r == 0)
      errno = ETIMEDOUT;
    return fail("receive frame on second socket");
  }
  struct can_frame in;
  if (read(rx, &in, sizeof in) != (ssize_t)sizeof in)
    return fail("read frame");
  if (in.can_id != out.can_id || in.can_dlc != out.can_dlc || memcmp(in.data, out.data, 8) != 0) {
    errno = 0;
    return fail("received frame differs from the sent one");
  }

  /* Own frames are not delivered back by default: nothing must arrive. */
  if (readable(tx, 100) != 0) {
    errno = 0;
    return fail("sender unexpectedly received its own frame");
  }

  printf("selftest: OK: frame 0x%03X [%d] received on %s\n", (unsigned)in.can_id, in.can_dlc, ifname);
  close(tx);
  close(rx);
  return 0;
}
