# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# gatys-layers=relu4_2.png after restyling: gnuplot gatys-layers=relu4_2.gp   (reads gatys-layers=relu4_2.dat)
set encoding utf8
set terminal pngcairo size 960,680 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'gatys-layers=relu4_2.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
generator_loss = 1305.25586
set title "layers=relu4_2: Gatys against the generator at 128×128"
set xlabel "wall time (s, log scale)"
set ylabel "loss (log scale)"
set logscale xy
set format x "%g"
set format y "%.0e"
set xrange [0.00805516267:0.442556806]
set bmargin at screen 0.29
set key at screen 0.5, 0.01 center bottom horizontal width 1
plot generator_loss with lines dt 2 lw 2 lc rgb "#d62728" title "generator's mean loss", \
     'gatys-layers=relu4_2.dat' index 0 using 1:2 with lines lw 2 title "Gatys (lbfgs)", \
     'gatys-layers=relu4_2.dat' index 1 using 1:2 with points pt 7 ps 2.5 lc rgb "#d62728" title "generator, 24.2 ms per sample", \
     'gatys-layers=relu4_2.dat' index 2 using 1:2 with points pt 9 ps 2.5 lc rgb "#2ca02c" title "Gatys reached that loss"
