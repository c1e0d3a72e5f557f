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
 *   fs.kexec=PATH fs.kexecinitrd=PATH
 *                      production-shaped capture: after the scenario is
 *                      ready, load PATH (a host path) as the crash kernel
 *                      with the host's kexec, then panic with sysrq-c. In
 *                      the capture kernel (same initramfs; /proc/vmcore
 *                      exists) the host's makedumpfile -c -d 23 writes
 *                      /proc/vmcore to the writable 9p share "dumpout";
 *                      FOLIOSCOPE-CAPTURE-RC=N, then power off.
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

static int host_mounted;

/*
 * The host's root, read-only over 9p (tag "hostroot"), with the guest's own
 * proc, sysfs and devtmpfs mounted inside it; with rw_out the writable share
 * "dumpout" goes on its /tmp. Host programs then run chrooted in it.
 */
static void mount_host(int rw_out)
{
	if (host_mounted)
		return;
	mount_or_complain("hostroot", "/host", "9p", MS_RDONLY,
			  "trans=virtio,version=9p2000.L,msize=512000");
	mount_or_complain("proc", "/host/proc", "proc", 0, NULL);
	mount_or_complain("sysfs", "/host/sys", "sysfs", 0, NULL);
	mount_or_complain("devtmpfs", "/host/dev", "devtmpfs", 0, NULL);
	if (rw_out)
		mount_or_complain("dumpout", "/host/tmp", "9p", 0,
				  "trans=virtio,version=9p2000.L,msize=512000");
	else
		mount_or_complain("tmpfs", "/host/tmp", "tmpfs", 0, "size=64m");
	host_mounted = 1;
}

/* Run cmd with the host's /bin/sh inside the host root; returns its status. */
static int host_shell(const char *cmd)
{
	pid_t pid;
	int st = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (chroot("/host") || chdir("/")) {
			failed("chroot /host: %s", strerror(errno));
			_exit(127);
		}
		setenv("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", 1);
		setenv("HOME", "/tmp", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		failed("exec /bin/sh: %s", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	fflush(stdout);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_live(const char *cmd)
{
	int rc;

	mount_host(0);
	printf("FOLIOSCOPE-LIVE-BEGIN\n");
	rc = host_shell(cmd);
	printf("\nFOLIOSCOPE-LIVE-END\nFOLIOSCOPE-LIVE-RC=%d\n", rc);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
}

/* First kernel: load the capture kernel (host kexec), then panic. The
 * runner stages the capture kernel in the dumpout share (our /tmp). */
static void arm_and_panic(const char *kernel, const char *initrd)
{
	char cmd[2048];
	int rc;

	mount_host(1);
	snprintf(cmd, sizeof(cmd),
		 "kexec -p '%s' --initrd='%s' --append='console=ttyS0 irqpoll nr_cpus=1 maxcpus=1 "
		 "reset_devices panic=-1 nokaslr fs.capture=1'", kernel, initrd);
	printf("folioscope-init: %s\n", cmd);
	rc = host_shell(cmd);
	if (rc) {
		failed("kexec -p exited %d", rc);
		return;
	}
	printf("FOLIOSCOPE-PANICKING\n");
	fflush(stdout);
	sync();
	write_file("/proc/sysrq-trigger", "c");
	failed("still alive after sysrq-c");
}

/* Capture kernel (/proc/vmcore exists): makedumpfile into the dumpout share. */
static void capture(void)
{
	int rc;

	printf("FOLIOSCOPE-CAPTURE-BEGIN\n");
	mount_host(1);
	rc = host_shell("ls -l /proc/vmcore; time makedumpfile -c -d 23 /proc/vmcore /tmp/vmcore.makedumpfile "
			"&& ls -l /tmp/vmcore.makedumpfile");
	printf("FOLIOSCOPE-CAPTURE-RC=%d\n", rc);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
}

int main(void)
{
	static char cmdline[4096], scenario[64], live[8], livecmd[2048];
	static char kexec_kernel[512], kexec_initrd[512];
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
	cmdline_get(cmdline, "fs.kexec", kexec_kernel, sizeof(kexec_kernel));
	cmdline_get(cmdline, "fs.kexecinitrd", kexec_initrd, sizeof(kexec_initrd));
	if (access("/proc/vmcore", F_OK) == 0)
		capture();
	printf("folioscope-init: scenario='%s' live='%s' kexec='%s'\n", scenario, live, kexec_kernel);

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
		if (live[0] || kexec_kernel[0]) {
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
	if (kexec_kernel[0])
		arm_and_panic(kexec_kernel, kexec_initrd);

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
