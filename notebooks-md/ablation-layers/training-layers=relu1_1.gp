# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# training-layers=relu1_1.png after restyling: gnuplot training-layers=relu1_1.gp   (reads training-layers=relu1_1.dat)
set encoding utf8
set terminal pngcairo size 960,600 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'training-layers=relu1_1.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Training loss of layers=relu1_1, per term"
set xlabel "iteration"
set ylabel "loss (log scale)"
set logscale y
set format y "%.0e"
set key top right
plot 'training-layers=relu1_1.dat' using 1:2 with lines lw 2 title "style/gram/relu1_1", \
     'training-layers=relu1_1.dat' using 1:3 with lines lw 3 lc rgb "black" title "total (weighted)"
