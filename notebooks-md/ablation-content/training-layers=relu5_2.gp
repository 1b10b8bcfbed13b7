# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# training-layers=relu5_2.png after restyling: gnuplot training-layers=relu5_2.gp   (reads training-layers=relu5_2.dat)
set encoding utf8
set terminal pngcairo size 960,600 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'training-layers=relu5_2.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
set title "Training loss of layers=relu5_2, per term"
set xlabel "iteration"
set ylabel "loss (log scale)"
set logscale y
set format y "%.0e"
set key top right
plot 'training-layers=relu5_2.dat' using 1:2 with lines lw 2 title "style gram relu1_1", \
     'training-layers=relu5_2.dat' using 1:3 with lines lw 2 title "style gram relu2_1", \
     'training-layers=relu5_2.dat' using 1:4 with lines lw 2 title "style gram relu3_1", \
     'training-layers=relu5_2.dat' using 1:5 with lines lw 2 title "style gram relu4_1", \
     'training-layers=relu5_2.dat' using 1:6 with lines lw 2 title "style gram relu5_1", \
     'training-layers=relu5_2.dat' using 1:7 with lines lw 2 title "content content relu5_2", \
     'training-layers=relu5_2.dat' using 1:8 with lines lw 3 lc rgb "black" title "total (weighted)"
