-- expect: LR_POLICY undefined global 'package'
package.loadlib("libc.so.6", "system")
