/*
 * init: PID 1 of the lab guest (tests/vmcore/guest).
 *
 * Mounts proc, sysfs and devtmpfs, fixes address-space randomisation off,
 * then runs what the kernel command line asks for:
 *   fs.scenario=NAME   run /bin/hmmscen NAME (prints the manifest and
 *                      FOLIOSCOPE-READY on the console, then stays put)
 *   fs.live=1          after the scenario (if any) is ready, mount the
 *                      host's root read-only over 9p (tag "hostroot"),
 *                      chroot into it and run the command in fs.livecmd
 *                      (a %-encoded string, see decode()) with /bin/sh -c;
 *                      prints FOLIOSCOPE-LIVE-BEGIN/-END around its output
 *                      and FOLIOSCOPE-LIVE-RC=N, then powers off.
 * Afterwards it reaps children forever so the machine state stays put for
 * the dump. Any failure prints a FOLIOSCOPE-FAILED line (run-guest stops on it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static void failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FOLIOSCOPE-FAILED init: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static void mount_or_complain(const char *src, const char *dst, const char *type,
			      unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) && errno != EBUSY)
		failed("mount %s on %s: %s", type, dst, strerror(errno));
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		failed("write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Value of "key=" on the command line, copied into buf ("" if absent). */
static int cmdline_get(const char *cmdline, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	buf[0] = 0;
	while (*p) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = 0;

			p += klen + 1;
			while (p[n] && p[n] != ' ' && p[n] != '\n')
				n++;
			if (n >= len)
				n = len - 1;
			memcpy(buf, p, n);
			buf[n] = 0;
			return 1;
		}
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

/* %XX decoding so a command with spaces fits in one command-line word. */
static void decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

static void run_live(const char *cmd)
{
	pid_t pid;
	int st = 0;

	mount_or_complain("hostroot", "/host", "9p", MS_RDONLY,
			  "trans=virtio,version=9p2000.L,cache=loose");
	printf("FOLIOSCOPE-LIVE-BEGIN\n");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (chroot("/host") || chdir("/")) {
			failed("chroot /host: %s", strerror(errno));
			_exit(127);
		}
		/* The guest's procfs inside the chroot: the host's /proc is
		 * only a directory on the read-only 9p mount. */
		if (mount("proc", "/proc", "proc", 0, NULL))
			printf("live: mount /proc in chroot: %s\n", strerror(errno));
		setenv("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", 1);
		setenv("HOME", "/tmp", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		failed("exec /bin/sh: %s", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	fflush(stdout);
	printf("\nFOLIOSCOPE-LIVE-END\nFOLIOSCOPE-LIVE-RC=%d\n",
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
}

int main(void)
{
	static char cmdline[4096], scenario[64], live[8], livecmd[2048];
	int fd, pipefd[2] = { -1, -1 };
	pid_t scen = -1;
	ssize_t n;

	mount_or_complain("proc", "/proc", "proc", 0, NULL);
	mount_or_complain("sysfs", "/sys", "sysfs", 0, NULL);
	mount_or_complain("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (access("/dev/console", F_OK))
		mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mount_or_complain("tmpfs", "/tmp", "tmpfs", 0, "size=64m");
	write_file("/proc/sys/kernel/randomize_va_space", "0\n");

	fd = open("/proc/cmdline", O_RDONLY);
	n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;
	if (n < 0) {
		failed("cannot read /proc/cmdline");
		n = 0;
	}
	cmdline[n] = 0;
	if (fd >= 0)
		close(fd);
	cmdline_get(cmdline, "fs.scenario", scenario, sizeof(scenario));
	cmdline_get(cmdline, "fs.live", live, sizeof(live));
	cmdline_get(cmdline, "fs.livecmd", livecmd, sizeof(livecmd));
	decode(livecmd);
	printf("folioscope-init: scenario='%s' live='%s'\n", scenario, live);

	if (scenario[0]) {
		if (pipe(pipefd))
			failed("pipe: %s", strerror(errno));
		scen = fork();
		if (scen == 0) {
			char fdstr[16];

			close(pipefd[0]);
			snprintf(fdstr, sizeof(fdstr), "%d", pipefd[1]);
			setenv("FS_READY_FD", fdstr, 1);
			execl("/bin/hmmscen", "hmmscen", scenario, (char *)NULL);
			failed("exec /bin/hmmscen: %s", strerror(errno));
			_exit(127);
		}
		close(pipefd[1]);
		if (live[0]) {
			char c;

			/* Wait for the scenario to say it is ready. */
			if (read(pipefd[0], &c, 1) != 1)
				failed("scenario ended before it was ready");
		}
	} else if (!live[0]) {
		failed("no fs.scenario= or fs.live= on the kernel command line");
	}
	if (live[0])
		run_live(livecmd[0] ? livecmd : "echo no fs.livecmd given");

	for (;;) {
		int st;
		pid_t p = wait(&st);

		if (p < 0) {
			if (errno == ECHILD)
				pause();
			continue;
		}
		if (p == scen)
			failed("hmmscen exited (status 0x%x) before the dump", st);
	}
}
